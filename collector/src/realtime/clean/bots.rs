//! Known crawlers and bots, by user agent. The list names what real traffic logs show most
//! (search engines, social previews, monitoring probes, headless scrapers, HTTP libraries);
//! a substring match on the lower-cased user agent is enough for them and costs no regex.
//! Headless Chrome is not on it: it is how teams test their own sites, ours included.

const MARKERS: &[&str] = &[
    "bot",
    "crawler",
    "spider",
    "slurp",
    "mediapartners-google",
    "adsbot-google",
    "feedfetcher",
    "bingpreview",
    "facebookexternalhit",
    "embedly",
    "quora link preview",
    "whatsapp",
    "lighthouse",
    "pingdom",
    "uptimerobot",
    "statuscake",
    "site24x7",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "curl/",
    "wget/",
    "httpclient",
    "okhttp",
    "axios/",
    "node-fetch",
    "scrapy",
    "ia_archiver",
    "archive.org",
];

pub fn is_bot(user_agent: &str) -> bool {
    if user_agent.is_empty() {
        return false;
    }
    let lower = user_agent.to_ascii_lowercase();
    MARKERS.iter().any(|marker| lower.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::is_bot;

    #[test]
    fn crawlers_and_libraries_are_bots_browsers_are_not() {
        for bot in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
            "python-requests/2.31.0",
            "curl/8.5.0",
        ] {
            assert!(is_bot(bot), "{bot}");
        }
        for browser in [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "",
        ] {
            assert!(!is_bot(browser), "{browser}");
        }
    }
}
