//! OTLP attribute values (`AnyValue`) as OpenTelemetry values (for the SDK's
//! summaries) and as JSON (for the web view and `aitrace query`).

use opentelemetry::{Array, StringValue, Value};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use serde_json::{Map, Value as Json};

/// `value` as an OpenTelemetry value. Arrays of one type keep it (a mix of
/// integers and doubles becomes doubles); other arrays, key-value lists and
/// bytes become their JSON text, so that nothing is lost from view. `None` for
/// an empty value.
pub fn otel_value(value: &AnyValue) -> Option<Value> {
    Some(match value.value.as_ref()? {
        Any::StringValue(s) => Value::String(s.clone().into()),
        Any::BoolValue(b) => Value::Bool(*b),
        Any::IntValue(n) => Value::I64(*n),
        Any::DoubleValue(x) => Value::F64(*x),
        Any::ArrayValue(a) => array(&a.values).unwrap_or_else(|| Value::String(text(value).into())),
        Any::KvlistValue(_) | Any::BytesValue(_) => Value::String(text(value).into()),
        // An index into a profile's string table: meaningless outside it.
        Any::StringValueStrindex(_) => return None,
    })
}

fn array(values: &[AnyValue]) -> Option<Value> {
    let items: Vec<&Any> = values.iter().filter_map(|v| v.value.as_ref()).collect();
    if items.len() != values.len() {
        return None;
    }
    if items.iter().all(|v| matches!(v, Any::StringValue(_))) {
        let strings = items.iter().map(|v| match v {
            Any::StringValue(s) => StringValue::from(s.clone()),
            _ => unreachable!("checked above"),
        });
        return Some(Value::Array(Array::String(strings.collect())));
    }
    if items.iter().all(|v| matches!(v, Any::BoolValue(_))) {
        let b = items.iter().map(|v| matches!(v, Any::BoolValue(true)));
        return Some(Value::Array(Array::Bool(b.collect())));
    }
    if items.iter().all(|v| matches!(v, Any::IntValue(_))) {
        let n = items.iter().map(|v| match v {
            Any::IntValue(n) => *n,
            _ => 0,
        });
        return Some(Value::Array(Array::I64(n.collect())));
    }
    if items
        .iter()
        .all(|v| matches!(v, Any::IntValue(_) | Any::DoubleValue(_)))
    {
        let x = items.iter().map(|v| match v {
            Any::IntValue(n) => *n as f64,
            Any::DoubleValue(x) => *x,
            _ => 0.0,
        });
        return Some(Value::Array(Array::F64(x.collect())));
    }
    None
}

/// `value` as JSON: strings, booleans and numbers as themselves, arrays as
/// arrays, key-value lists as objects, bytes as a hex string; a non-finite
/// double as the string `NaN`, `Infinity` or `-Infinity`.
pub fn json(value: &AnyValue) -> Json {
    match &value.value {
        None => Json::Null,
        Some(Any::StringValue(s)) => Json::String(s.clone()),
        Some(Any::BoolValue(b)) => Json::Bool(*b),
        Some(Any::IntValue(n)) => Json::from(*n),
        Some(Any::DoubleValue(x)) => serde_json::Number::from_f64(*x)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(non_finite(*x).to_string())),
        Some(Any::ArrayValue(a)) => Json::Array(a.values.iter().map(json).collect()),
        Some(Any::KvlistValue(l)) => json_object(&l.values),
        Some(Any::BytesValue(b)) => Json::String(hex(b)),
        Some(Any::StringValueStrindex(i)) => Json::String(format!("(string index {i})")),
    }
}

/// Attributes as a JSON object (the last value wins when a key repeats).
pub fn json_object(attributes: &[KeyValue]) -> Json {
    let mut map = Map::new();
    for kv in attributes {
        map.insert(
            kv.key.clone(),
            kv.value.as_ref().map(json).unwrap_or(Json::Null),
        );
    }
    Json::Object(map)
}

/// `value` as text: a string as itself, anything else as its JSON.
pub fn text(value: &AnyValue) -> String {
    match &value.value {
        Some(Any::StringValue(s)) => s.clone(),
        _ => json(value).to_string(),
    }
}

/// The name of the value's type, as the OTLP JSON mapping names it.
pub fn type_name(value: &AnyValue) -> &'static str {
    match &value.value {
        None => "empty",
        Some(Any::StringValue(_)) => "string",
        Some(Any::BoolValue(_)) => "bool",
        Some(Any::IntValue(_)) => "int",
        Some(Any::DoubleValue(_)) => "double",
        Some(Any::ArrayValue(_)) => "array",
        Some(Any::KvlistValue(_)) => "kvlist",
        Some(Any::BytesValue(_)) => "bytes",
        Some(Any::StringValueStrindex(_)) => "string index",
    }
}

/// An OpenTelemetry value as JSON, as [`json`] writes the OTLP one.
pub fn otel_json(value: &Value) -> Json {
    let number = |x: f64| {
        serde_json::Number::from_f64(x)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(non_finite(x).to_string()))
    };
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I64(n) => Json::from(*n),
        Value::F64(x) => number(*x),
        Value::String(s) => Json::String(s.to_string()),
        Value::Array(Array::Bool(v)) => Json::Array(v.iter().map(|b| Json::Bool(*b)).collect()),
        Value::Array(Array::I64(v)) => Json::Array(v.iter().map(|n| Json::from(*n)).collect()),
        Value::Array(Array::F64(v)) => Json::Array(v.iter().map(|x| number(*x)).collect()),
        Value::Array(Array::String(v)) => {
            Json::Array(v.iter().map(|s| Json::String(s.to_string())).collect())
        }
        other => Json::String(other.to_string()),
    }
}

fn non_finite(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};

    fn any(v: Any) -> AnyValue {
        AnyValue { value: Some(v) }
    }

    #[test]
    fn arrays_keep_their_type_or_become_json_text() {
        let strings = any(Any::ArrayValue(ArrayValue {
            values: vec![any(Any::StringValue("stop".into()))],
        }));
        assert_eq!(
            otel_value(&strings),
            Some(Value::Array(Array::String(vec!["stop".into()])))
        );
        let mixed = any(Any::ArrayValue(ArrayValue {
            values: vec![any(Any::IntValue(1)), any(Any::DoubleValue(0.5))],
        }));
        assert_eq!(
            otel_value(&mixed),
            Some(Value::Array(Array::F64(vec![1.0, 0.5])))
        );
        let odd = any(Any::ArrayValue(ArrayValue {
            values: vec![any(Any::IntValue(1)), any(Any::StringValue("a".into()))],
        }));
        assert_eq!(otel_value(&odd), Some(Value::String("[1,\"a\"]".into())));
    }

    #[test]
    fn kvlists_and_bytes_as_json() {
        let list = any(Any::KvlistValue(KeyValueList {
            values: vec![KeyValue {
                key: "role".into(),
                value: Some(any(Any::StringValue("user".into()))),
                ..Default::default()
            }],
        }));
        assert_eq!(json(&list), serde_json::json!({"role": "user"}));
        assert_eq!(text(&any(Any::BytesValue(vec![0xab, 1]))), "\"ab01\"");
        assert_eq!(
            json(&any(Any::DoubleValue(f64::NAN))),
            Json::String("NaN".into())
        );
        assert_eq!(otel_value(&AnyValue { value: None }), None);
    }
}
