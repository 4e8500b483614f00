//! Browser, operating system and device type from `browser.user_agent` (and
//! `browser.viewport` when the user agent does not say).
//!
//! A deliberately small table of tokens, checked in an order that matters: many browsers
//! claim to be others (Edge and Opera say `Chrome/`, Chrome says `Safari/`, Android says
//! `Linux`, iOS says `like Mac OS X`), so the more specific token is looked for first. The
//! answer is a family name only (`Chrome`, not `Chrome 131`): versions would split every
//! list into dozens of rows, and the full string stays in the stored event.

/// A browser family, an OS family and a device type; each empty when nothing is known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Client {
    pub browser: String,
    pub os: String,
    pub device: String,
}

/// Browser tokens, most specific first. `HeadlessChrome/` is Chrome (and contains no
/// `Chrome/` token, hence its own entry).
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("OPiOS/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("HeadlessChrome/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

const OSES: &[(&str, &str)] = &[
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("iPod", "iOS"),
    ("Android", "Android"),
    ("CrOS", "Chrome OS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// Viewport widths below which a device without a telling user agent counts as a phone or
/// a tablet (the usual CSS breakpoints).
const MOBILE_BELOW_PX: f64 = 768.0;
const TABLET_BELOW_PX: f64 = 1024.0;

pub fn classify(user_agent: &str, viewport_width: Option<f64>) -> Client {
    let ua = user_agent.trim();
    let browser = if ua.is_empty() {
        String::new()
    } else {
        first_match(ua, BROWSERS).unwrap_or("Other").to_owned()
    };
    let os = if ua.is_empty() {
        String::new()
    } else {
        first_match(ua, OSES).unwrap_or("Other").to_owned()
    };
    let device = device(ua, &os, viewport_width).to_owned();
    Client {
        browser,
        os,
        device,
    }
}

fn first_match(ua: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name)
}

fn device(ua: &str, os: &str, viewport_width: Option<f64>) -> &'static str {
    // Android tablets leave `Mobile` out of their user agent; phones put it in.
    if ua.contains("iPad") || ua.contains("Tablet") || (os == "Android" && !ua.contains("Mobile")) {
        return "tablet";
    }
    if ua.contains("iPhone") || ua.contains("iPod") || ua.contains("Mobi") {
        return "mobile";
    }
    if !ua.is_empty() && os != "Other" {
        return "desktop";
    }
    // Nothing telling in the user agent: the viewport is all there is.
    match viewport_width {
        Some(w) if w > 0.0 && w < MOBILE_BELOW_PX => "mobile",
        Some(w) if w > 0.0 && w < TABLET_BELOW_PX => "tablet",
        Some(w) if w > 0.0 => "desktop",
        _ if ua.is_empty() => "",
        _ => "desktop",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ua: &str, browser: &str, os: &str, device: &str) {
        let want = Client {
            browser: browser.into(),
            os: os.into(),
            device: device.into(),
        };
        assert_eq!(classify(ua, None), want, "{ua}");
    }

    #[test]
    fn real_user_agents() {
        check("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome", "Windows", "desktop");
        check("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge", "Windows", "desktop");
        check(
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox",
            "Linux",
            "desktop",
        );
        check("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari", "macOS", "desktop");
        check("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari", "iOS", "mobile");
        check("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari", "iOS", "tablet");
        check("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "Chrome", "iOS", "mobile");
        check("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome", "Android", "mobile");
        check("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome", "Android", "tablet");
        check("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet", "Android", "mobile");
        check(
            "Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0",
            "Firefox",
            "Android",
            "mobile",
        );
        check("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/114.0.0.0",
            "Opera", "Windows", "desktop");
        check("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome", "Chrome OS", "desktop");
        check("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
            "Chrome", "Linux", "desktop");
        check("curl/8.5.0", "Other", "Other", "desktop");
    }

    #[test]
    fn the_viewport_decides_when_the_user_agent_cannot() {
        assert_eq!(classify("", Some(390.0)).device, "mobile");
        assert_eq!(classify("", Some(820.0)).device, "tablet");
        assert_eq!(classify("", Some(1440.0)).device, "desktop");
        assert_eq!(classify("", None), Client::default());
        assert_eq!(classify("curl/8.5.0", Some(390.0)).device, "mobile");
        // A telling user agent wins over a narrow window.
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(classify(chrome, Some(390.0)).device, "desktop");
    }
}
