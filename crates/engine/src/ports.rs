//! The ports no page may connect to: the Fetch standard's "bad port" list
//! (<https://fetch.spec.whatwg.org/#port-blocking>). Browsers refuse them in
//! different ways (an exception at once, or a failed attempt later, which a
//! reconnecting client would retry forever); the engine refuses them itself,
//! before any byte reaches the network, with one final, typed error in every
//! runtime.

/// The bad ports, sorted.
const BAD_PORTS: [u16; 81] = [
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101,
    102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
    465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
    993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
    6668, 6669, 6679,
];

/// More of the list, kept apart so the array above stays readable.
const MORE_BAD_PORTS: [u16; 2] = [6697, 10080];

/// The port of a `ws:`/`wss:` URL when it is explicit and on the bad-port
/// list. A URL that does not parse is left to the platform, which refuses it
/// with its own error. Read byte by byte: string slicing would link in the
/// panic messages of char boundaries and their Unicode tables.
pub fn blocked_port(url: &str) -> Option<u16> {
    let bytes = url.as_bytes();
    let start = bytes.windows(3).position(|w| w == b"://")? + 3;
    let rest = bytes.get(start..)?;
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    let host_port = match authority.iter().rposition(|b| *b == b'@') {
        Some(at) => authority.get(at + 1..)?,
        None => authority,
    };
    let colon = host_port.iter().rposition(|b| *b == b':')?;
    // A colon inside [IPv6] brackets is not the port's.
    if host_port
        .iter()
        .rposition(|b| *b == b']')
        .is_some_and(|b| b > colon)
    {
        return None;
    }
    let digits = host_port.get(colon + 1..)?;
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let mut port: u32 = 0;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        port = port * 10 + u32::from(d - b'0');
    }
    let port = u16::try_from(port).ok()?;
    let bad = BAD_PORTS.binary_search(&port).is_ok() || MORE_BAD_PORTS.contains(&port);
    bad.then_some(port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_for_the_search() {
        assert!(BAD_PORTS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn explicit_bad_ports_are_found_and_others_are_not() {
        assert_eq!(blocked_port("ws://127.0.0.1:25/"), Some(25));
        assert_eq!(blocked_port("wss://example.com:6667/chat?x=1"), Some(6667));
        assert_eq!(blocked_port("ws://user:pw@host:6697"), Some(6697));
        assert_eq!(blocked_port("ws://[::1]:10080/"), Some(10080));
        assert_eq!(blocked_port("ws://host:8080/"), None);
        assert_eq!(blocked_port("ws://host/path:25"), None);
        assert_eq!(blocked_port("ws://host:25x/"), None);
        assert_eq!(blocked_port("wss://example.com/"), None);
        assert_eq!(blocked_port("ws://[::1]/"), None);
        assert_eq!(blocked_port("not a url"), None);
    }
}
