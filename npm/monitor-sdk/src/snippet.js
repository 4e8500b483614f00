!function(w,q,h){q=w.__monitorQ=w.__monitorQ||[];h=w.__monitorQH=function(e){q.length<50&&q.push([e,Date.now()])};w.addEventListener("error",h);w.addEventListener("unhandledrejection",h)}(window);
