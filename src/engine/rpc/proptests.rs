//! Property tests (issue 11) of the frame decoder and the dispatcher: any frame, arbitrary text
//! or arbitrary JSON, is routed or refused without a panic; a refusal becomes an error that names
//! the waiting method and shows the frame escaped; a well-formed reply reaches exactly its
//! request. 256 cases each.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// A client's shared state with requests 1..=3 pending (id 4 is the next to be sent).
type Reply = oneshot::Receiver<Result<RawResult, EngineError>>;

fn pending() -> (Shared, Vec<Reply>, broadcast::Sender<Notification>) {
    let mut map = PendingMap::new();
    let mut rxs = Vec::new();
    for (id, method) in [(1, "EngineVersion"), (2, "GetDocList"), (3, "OpenDoc")] {
        let (tx, rx) = oneshot::channel();
        map.insert(
            id,
            Pending {
                method: method.to_string(),
                handle: -1,
                sent: None,
                tx,
            },
        );
        rxs.push(rx);
    }
    let shared = Shared {
        pending: Mutex::new(map),
        closed: Mutex::new(None),
        handles: Mutex::new(HandleEvents::default()),
        sent: AtomicU64::new(3),
        next_id: AtomicU64::new(4),
        last_traffic: Mutex::new(tokio::time::Instant::now()),
        trace: None,
    };
    (shared, rxs, broadcast::channel(16).0)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "jsonrpc", "id", "result", "error", "method", "params", "change", "close",
                    "code", "message", "qReturn", "x",
                ])
                .prop_map(str::to_string),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Routes `text`; on a refusal, checks the error each waiting request would get.
fn route_checked(text: &str) -> Result<(), TestCaseError> {
    let (shared, _rxs, notif) = pending();
    if let Err(problem) = route(&shared, &notif, text) {
        prop_assert!(!problem.is_empty());
        let ended = Ended::Unreadable {
            problem,
            size: text.len(),
            excerpt: excerpt(text),
        };
        let e = ended.error_for("GetDocList").to_string();
        prop_assert!(e.contains("GetDocList") && e.contains("unreadable"), "{e}");
        prop_assert!(
            !e.chars().any(crate::text::is_unsafe_for_terminal),
            "no raw control character: {e:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_is_routed_or_refused(text in "\\PC{0,200}|[\\x00-\\x7f]{0,200}") {
        route_checked(&text)?;
    }

    #[test]
    fn arbitrary_json_is_routed_or_refused(v in json_value()) {
        route_checked(&v.to_string())?;
    }

    #[test]
    fn a_response_shaped_frame_is_routed_or_refused(
        id in prop_oneof![Just(Value::Null), (0u64..8).prop_map(Value::from), "\\PC{0,4}".prop_map(Value::from), json_value()],
        result in prop::option::of(json_value()),
        error in prop::option::of(json_value()),
        change in prop::option::of(json_value()),
    ) {
        let mut frame = serde_json::Map::new();
        frame.insert("jsonrpc".into(), "2.0".into());
        frame.insert("id".into(), id);
        for (k, v) in [("result", result), ("error", error), ("change", change)] {
            if let Some(v) = v {
                frame.insert(k.into(), v);
            }
        }
        route_checked(&Value::Object(frame).to_string())?;
    }

    #[test]
    fn a_well_formed_reply_reaches_exactly_its_request(id in 1u64..=3, result in json_value()) {
        let (shared, mut rxs, notif) = pending();
        let frame = json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string();
        // What the frame carries (serde_json prints some floats in a form that reads back a
        // last digit off): the reply must be that, whatever it is.
        let result: Value = serde_json::from_str(&result.to_string()).unwrap();
        prop_assert!(route(&shared, &notif, &frame).is_ok());
        for (i, rx) in rxs.iter_mut().enumerate() {
            match rx.try_recv() {
                Ok(Ok(raw)) => {
                    let v: Value = serde_json::from_str(raw.get()).unwrap();
                    prop_assert!(i as u64 + 1 == id && v == result)
                }
                Ok(Err(e)) => prop_assert!(false, "an error for a good reply: {e}"),
                Err(_) => prop_assert!(i as u64 + 1 != id, "the reply did not arrive"),
            }
        }
    }

    /// The reader's fast path cuts out exactly the text serde_json reads as the result, in any
    /// member order, pretty-printed or not, and reads the same change and close handles.
    #[test]
    fn the_fast_path_cuts_the_result_the_careful_path_reads(
        result in json_value(),
        change in prop::collection::vec(any::<i64>(), 0..3),
        order in Just(vec!["jsonrpc", "result", "id", "change", "close"]).prop_shuffle(),
        pretty in any::<bool>(),
    ) {
        let members = json!({"jsonrpc": "2.0", "id": 7, "result": result, "change": change, "close": []});
        let frame: serde_json::Map<String, Value> =
            order.iter().map(|k| (k.to_string(), members[*k].clone())).collect();
        let frame = Value::Object(frame);
        let text = if pretty { serde_json::to_string_pretty(&frame) } else { serde_json::to_string(&frame) }.unwrap();
        let (id, reply) = RawReply::parse(&text).expect("a plain reply takes the fast path");
        #[derive(serde::Deserialize)]
        struct Careful<'a> {
            #[serde(borrow)]
            result: &'a serde_json::value::RawValue,
        }
        let careful: Careful = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(id, 7);
        prop_assert_eq!(reply.result, Some(careful.result.get()));
        prop_assert_eq!(reply.change, change);
        prop_assert!(reply.close.is_empty() && reply.error.is_none());
    }

    #[test]
    fn a_reply_to_an_id_never_sent_is_refused(id in 4u64..u64::MAX) {
        let (shared, _rxs, notif) = pending();
        let frame = json!({"jsonrpc": "2.0", "id": id, "result": {}}).to_string();
        let problem = route(&shared, &notif, &frame).unwrap_err();
        prop_assert!(problem.contains("never sent"), "{problem}");
    }
}
