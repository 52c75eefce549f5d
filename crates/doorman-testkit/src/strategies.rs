//! Proptest strategies several crates' property tests draw from.

use proptest::prelude::*;
use serde_json::Value;

/// Any JSON value: every scalar kind (finite numbers only, as JSON has no others), strings
/// of any characters, and arrays and objects nested up to `depth` levels with about
/// `size` values in all.
pub fn any_json(depth: u32, size: u32) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
        "\\PC{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(depth, size, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map(".{0,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
