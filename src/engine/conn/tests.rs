//! Tests of a spec together with its pre-flight: the options it opens a socket or a REST call
//! with, and that neither shows a secret.

use super::*;
use crate::engine::transport::{DEFAULT_MAX_MESSAGE_BYTES, Timeouts};
use crate::tls::ClientTls;

fn spec_with(auth: Auth) -> ConnectionSpec {
    ConnectionSpec {
        name: None,
        deployment: Deployment::Qseow,
        engine_url: "wss://h/jwt".into(),
        display_url: None,
        auth,
        tls: ClientTls {
            root_pem: Some("root".into()),
            cert_pem: Some("cert".into()),
            key_pem: Some("-----BEGIN PRIVATE KEY-----".into()),
            verify_hostname: true,
        },
        timeouts: Timeouts::default(),
        ttl: None,
        identity: None,
        allow_insecure_transport: false,
        max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        trace: None,
    }
}

#[test]
fn debug_output_never_shows_a_secret() {
    const SECRET: &str = "s3cr3t-value-that-must-not-leak";
    let template = JwtTemplate {
        user_id: "sa_engine".into(),
        ..Default::default()
    };
    let modes = [
        Auth::Jwt {
            jwt: JwtSource::Token(SecretString::new(SECRET)),
        },
        Auth::Jwt {
            jwt: JwtSource::Key {
                private_key_pem: SecretString::new(SECRET),
                template: template.clone(),
            },
        },
        Auth::CloudApiKey {
            api_key: SecretString::new(SECRET),
        },
        Auth::CloudJwt {
            jwt: JwtSource::Token(SecretString::new(SECRET)),
        },
    ];
    for auth in modes {
        let spec = spec_with(auth);
        let dbg = format!("{spec:?} {:?}", spec.auth);
        assert!(!dbg.contains(SECRET), "{dbg}");
        assert!(dbg.contains("<redacted>"), "{dbg}");
        assert!(!dbg.contains("PRIVATE KEY"), "{dbg}");
    }
    let pre = Preflight {
        socket_headers: vec![crate::engine::Header {
            name: "Cookie".into(),
            value: SECRET.into(),
        }],
        socket_query: vec![("qlik-csrf-token".into(), SECRET.into())],
        rest_headers: vec![],
    };
    let spec = spec_with(Auth::Header {
        header_name: "hdr-usr".into(),
        user: "INTERNAL\\sa_engine".into(),
    });
    let opts = spec.socket_options(Some("app"), &pre);
    assert!(!format!("{pre:?} {opts:?}").contains(SECRET));
    // The URL carries the token; redaction is the URL's job (engine::url::redact).
    assert!(
        opts.url
            .ends_with("/jwt/app/app?qlik-csrf-token=s3cr3t-value-that-must-not-leak")
    );
}

#[test]
fn only_certificate_auth_presents_a_client_certificate() {
    let cert = spec_with(Auth::Certificate {
        user_directory: "INTERNAL".into(),
        user_id: "sa_engine".into(),
    });
    assert!(cert.socket_tls().key_pem.is_some());
    let hdr = spec_with(Auth::Header {
        header_name: "hdr-usr".into(),
        user: "u".into(),
    });
    let tls = hdr.socket_tls();
    assert!(tls.cert_pem.is_none() && tls.key_pem.is_none());
    assert_eq!(tls.root_pem.as_deref(), Some("root"));
    assert_eq!(hdr.rest_options(&Preflight::default()).url, "https://h/jwt");
}

#[tokio::test]
async fn a_cloud_api_key_goes_on_the_socket_as_a_bearer() {
    let spec = spec_with(Auth::CloudApiKey {
        api_key: SecretString::new("k"),
    });
    let o = spec.connect_options(Some("a")).await.unwrap();
    assert_eq!(o.headers[0].name, "Authorization");
    assert_eq!(o.headers[0].value.expose(), "Bearer k");
    assert!(o.tls.cert_pem.is_none());
}

#[test]
fn the_message_cap_is_the_connections_setting() {
    let mut spec = spec_with(Auth::Header {
        header_name: "hdr-usr".into(),
        user: "u".into(),
    });
    let pre = Preflight::default();
    assert_eq!(
        spec.socket_options(None, &pre).max_message_bytes,
        DEFAULT_MAX_MESSAGE_BYTES
    );
    spec.max_message_bytes = 3 << 20;
    assert_eq!(spec.socket_options(None, &pre).max_message_bytes, 3 << 20);
}

#[tokio::test]
async fn a_bearer_over_plain_ws_is_refused_unless_allowed_by_name() {
    let mut spec = spec_with(Auth::CloudApiKey {
        api_key: SecretString::new("k-secret"),
    });
    spec.engine_url = "ws://h/jwt".into();
    let e = spec.connect_options(None).await.unwrap_err().to_string();
    assert!(e.contains("--allow-insecure-transport"), "{e}");
    assert!(!e.contains("k-secret"), "{e}");
    spec.allow_insecure_transport = true;
    let o = spec.connect_options(None).await.unwrap();
    assert_eq!(o.headers[0].value.expose(), "Bearer k-secret");
}

#[tokio::test]
async fn certificate_auth_sends_the_user_header() {
    let spec = ConnectionSpec {
        name: None,
        deployment: Deployment::Qseow,
        engine_url: "wss://h:4747".into(),
        display_url: None,
        auth: Auth::Certificate {
            user_directory: "INTERNAL".into(),
            user_id: "sa_engine".into(),
        },
        tls: ClientTls::default(),
        timeouts: Timeouts::default(),
        ttl: Some(60),
        identity: None,
        allow_insecure_transport: false,
        max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        trace: None,
    };
    let o = spec.connect_options(Some("abc")).await.unwrap();
    assert_eq!(o.url, "wss://h:4747/app/abc/ttl/60");
    assert_eq!(o.headers[0].name, "X-Qlik-User");
    assert_eq!(
        o.headers[0].value.expose(),
        "UserDirectory=INTERNAL; UserId=sa_engine"
    );
}
