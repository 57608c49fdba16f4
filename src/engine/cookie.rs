//! Session cookies from a proxy or Qlik Cloud: kept from `Set-Cookie` replies, sent back as one
//! `Cookie` header. Only name and value matter here (one host, one short-lived session), so the
//! attributes (Path, Secure, HttpOnly, Expires) are dropped.

use crate::secret::SecretString;

/// A name=value pair. The value is a session credential: it is never printed, and it is wiped
/// from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: SecretString,
}

impl std::fmt::Debug for Cookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}=<redacted>", self.name)
    }
}

/// The cookies set by `Set-Cookie` header values; a later cookie of the same name wins, and a
/// cookie set to an empty value (a deletion) is dropped.
pub fn from_set_cookie<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Cookie> {
    let mut jar: Vec<Cookie> = Vec::new();
    for v in values {
        let first = v.split(';').next().unwrap_or("").trim();
        let Some((name, value)) = first.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim().trim_matches('"'));
        if name.is_empty() {
            continue;
        }
        jar.retain(|c| c.name != name);
        if !value.is_empty() {
            jar.push(Cookie {
                name: name.to_string(),
                value: value.into(),
            });
        }
    }
    jar
}

/// The `Cookie` request header for `jar` (None when empty). Built in one buffer sized up front,
/// so no unwiped partial copy of a session value is left behind.
pub fn header(jar: &[Cookie]) -> Option<SecretString> {
    if jar.is_empty() {
        return None;
    }
    let len = jar
        .iter()
        .map(|c| c.name.len() + 1 + c.value.len() + 2)
        .sum();
    let mut out = zeroize::Zeroizing::new(String::with_capacity(len));
    for (i, c) in jar.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&c.name);
        out.push('=');
        out.push_str(c.value.expose());
    }
    Some(out.into())
}

/// Parses a `Cookie` request header: the tests' check that `header` round-trips (the simulator
/// reads cookies its own way, `sim::authmodes`).
#[cfg(test)]
fn parse_header(value: &str) -> Vec<Cookie> {
    value
        .split(';')
        .filter_map(|p| {
            let (n, v) = p.trim().split_once('=')?;
            Some(Cookie {
                name: n.trim().to_string(),
                value: v.trim().into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_values_become_one_cookie_header() {
        let jar = from_set_cookie([
            "X-Qlik-Session-jwt=abc123; Path=/; HttpOnly; Secure",
            "_session=s1; path=/; samesite=none",
            "_session.sig=\"sig\"; path=/",
            "_session=s2; path=/",
            "gone=; Max-Age=0",
        ]);
        assert_eq!(
            header(&jar).unwrap().expose(),
            "X-Qlik-Session-jwt=abc123; _session.sig=sig; _session=s2"
        );
        assert_eq!(parse_header(&header(&jar).unwrap()), jar);
        assert!(header(&[]).is_none());
        assert_eq!(format!("{:?}", jar[0]), "X-Qlik-Session-jwt=<redacted>");
    }

    #[test]
    fn cookie_values_and_the_cookie_header_are_wiped_on_drop() {
        // Compile-time: the types that hold a session value wipe it when dropped.
        crate::secret::assert_wiped_on_drop::<SecretString>();
        let jar = from_set_cookie(["X-Qlik-Session=s3cr3t; Path=/"]);
        let value: &SecretString = &jar[0].value;
        let header: Option<SecretString> = header(&jar);
        assert_eq!(value.expose(), "s3cr3t");
        assert!(!format!("{header:?}").contains("s3cr3t"));
    }
}
