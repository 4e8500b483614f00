use super::*;
use axum::http::HeaderValue;
use flate2::{write::GzEncoder, Compression};
use std::io::Write;

const LIMITS: Limits = Limits {
    max_body_bytes: 100,
    max_decompressed_bytes: 1000,
    max_events: 2,
    timeout: Duration::from_secs(5),
    max_discard_bytes: 1000,
};

fn gzip(data: &[u8]) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    Bytes::from(encoder.finish().unwrap())
}

fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(name.clone(), HeaderValue::from_static(value));
    }
    map
}

#[test]
fn content_types() {
    let ok = |t| check_headers(&headers(&[(header::CONTENT_TYPE, t)]), &LIMITS);
    assert_eq!(ok("application/json"), Ok(Encoding::Identity));
    assert_eq!(ok("text/plain;charset=UTF-8"), Ok(Encoding::Identity));
    assert_eq!(
        ok("Application/JSON; charset=utf-8"),
        Ok(Encoding::Identity)
    );
    assert!(matches!(
        ok("application/xml"),
        Err(DecodeError::UnsupportedMediaType(_))
    ));
    assert_eq!(
        check_headers(&HeaderMap::new(), &LIMITS),
        Ok(Encoding::Identity)
    );
}

#[test]
fn encodings_and_declared_length() {
    let check = |h| check_headers(&headers(h), &LIMITS);
    assert_eq!(
        check(&[(header::CONTENT_ENCODING, "gzip")]),
        Ok(Encoding::Gzip)
    );
    assert!(matches!(
        check(&[(header::CONTENT_ENCODING, "br")]),
        Err(DecodeError::UnsupportedEncoding(_))
    ));
    assert_eq!(
        check(&[(header::CONTENT_LENGTH, "101")]),
        Err(DecodeError::TooLarge { limit: 100 })
    );
    assert_eq!(
        check(&[(header::CONTENT_LENGTH, "100")]),
        Ok(Encoding::Identity)
    );
}

#[tokio::test]
async fn reading_stops_at_the_limit() {
    let body = Body::from(vec![b'x'; 101]);
    assert_eq!(
        read_body(body, &LIMITS).await,
        Err(DecodeError::TooLarge { limit: 100 })
    );
    let body = Body::from(vec![b'x'; 100]);
    assert_eq!(read_body(body, &LIMITS).await.unwrap().len(), 100);
}

#[test]
fn gzip_is_undone_and_bombs_are_stopped() {
    let plain = decompress(gzip(b"{\"events\":[]}"), Encoding::Gzip, 1000).unwrap();
    assert_eq!(&plain[..], b"{\"events\":[]}");
    let bomb = gzip(&[b' '; 100_000]);
    assert!(bomb.len() < 1000);
    assert_eq!(
        decompress(bomb, Encoding::Gzip, 1000),
        Err(DecodeError::DecompressedTooLarge { limit: 1000 })
    );
    assert!(matches!(
        decompress(Bytes::from_static(b"not gzip"), Encoding::Gzip, 1000),
        Err(DecodeError::BadGzip(_))
    ));
}

#[test]
fn envelope_shape() {
    let parse = |s: &str| parse_envelope(s.as_bytes(), 2);
    let envelope = parse(r#"{"sdk":{"name":"x"},"sent_at":5,"events":[{}]}"#).unwrap();
    assert_eq!(envelope.events.len(), 1);
    assert_eq!(envelope.sent_at, Some(5.0));
    assert!(envelope.sdk.is_some());
    assert!(matches!(parse("{"), Err(DecodeError::NotJson(_))));
    assert_eq!(parse("[]").unwrap_err(), DecodeError::NotAnObject);
    assert_eq!(parse("{}").unwrap_err(), DecodeError::NoEvents);
    assert_eq!(
        parse(r#"{"events":{}}"#).unwrap_err(),
        DecodeError::EventsNotAnArray
    );
    assert_eq!(
        parse(r#"{"events":[1,2,3]}"#).unwrap_err(),
        DecodeError::TooManyEvents { count: 3, limit: 2 }
    );
}
