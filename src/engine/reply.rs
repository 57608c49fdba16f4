//! Reading a reply's `result` (raw JSON text, see `RpcClient::call_raw`) straight into the type
//! a caller needs, without building a `Value` tree first.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::wire::RawResult;

use super::error::EngineError;

/// Reads member `key` of the result of `method` as `T`. The result's other members are only
/// scanned (their text is not copied); a missing member or a wrong shape is a protocol error
/// naming the method and the member, as `api::take` and `api::take_as` name them.
pub fn take_raw<T: DeserializeOwned>(
    method: &str,
    result: &RawResult,
    key: &str,
) -> Result<T, EngineError> {
    let missing = || EngineError::Protocol(format!("the reply to {method} has no '{key}'"));
    // Duplicate members keep the last, as a `Value` does.
    let members: HashMap<String, &RawValue> =
        serde_json::from_str(result.get()).map_err(|_| missing())?;
    let member = members.get(key).ok_or_else(missing)?;
    serde_json::from_str(member.get()).map_err(|e| {
        EngineError::Protocol(format!(
            "'{key}' in the reply to {method} has an unexpected shape: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn raw(s: &str) -> RawResult {
        RawResult::from(s)
    }

    #[test]
    fn takes_the_member_and_names_what_is_wrong() {
        let r = raw(r#"{"qOther":{"big":[1,2,3]},"qReturn":{"a":1},"qReturn":{"a":2}}"#);
        let v: Value = take_raw("GetX", &r, "qReturn").unwrap();
        assert_eq!(v, serde_json::json!({"a": 2}));
        let n: Result<u64, _> = take_raw("GetX", &r, "qReturn");
        let e = n.unwrap_err().to_string();
        assert!(
            e.contains("'qReturn' in the reply to GetX has an unexpected shape"),
            "{e}"
        );
        let e = take_raw::<Value>("GetX", &r, "qNope")
            .unwrap_err()
            .to_string();
        assert!(e.contains("the reply to GetX has no 'qNope'"), "{e}");
        let e = take_raw::<Value>("GetX", &raw("[1]"), "qReturn").unwrap_err();
        assert!(e.to_string().contains("has no 'qReturn'"), "{e}");
    }
}
