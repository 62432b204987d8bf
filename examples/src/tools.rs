//! The tools of the support agents: a help-centre search that works, and an
//! order service that is too slow today and times out.

use crate::chat::ToolDef;
use serde_json::{json, Value};
use std::fmt;
use std::time::Duration;

/// How long the agent waits for the order service.
pub const ORDER_LOOKUP_TIMEOUT: Duration = Duration::from_millis(50);

/// Why a tool call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolError {
    /// The tool did not answer in time.
    Timeout {
        /// The tool.
        tool: String,
        /// How long the agent waited.
        after: Duration,
    },
    /// The model asked for a tool the agent does not have.
    UnknownTool(String),
    /// The arguments did not match the tool's schema.
    BadArguments(String),
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Timeout { tool, after } => {
                write!(f, "{tool} timed out after {} ms", after.as_millis())
            }
            ToolError::UnknownTool(tool) => write!(f, "no tool named {tool}"),
            ToolError::BadArguments(why) => write!(f, "bad arguments: {why}"),
        }
    }
}

impl std::error::Error for ToolError {}

/// The definitions offered to the model.
pub fn definitions() -> Vec<ToolDef> {
    vec![
        ToolDef {
            name: "search_kb",
            description: "Search the help-centre articles; returns the best matches.",
            parameters: json!({
                "type": "object",
                "properties": { "query": { "type": "string" } },
                "required": ["query"],
            }),
        },
        ToolDef {
            name: "lookup_order",
            description: "Fetch an order with its payments and refunds.",
            parameters: json!({
                "type": "object",
                "properties": { "order_id": { "type": "string" } },
                "required": ["order_id"],
            }),
        },
    ]
}

/// Runs the tool `name` with `arguments`.
///
/// # Errors
/// [`ToolError`] when the tool is unknown, the arguments are wrong, or it times out.
pub async fn call(name: &str, arguments: &Value) -> Result<Value, ToolError> {
    let arg = |key: &str| {
        arguments[key]
            .as_str()
            .ok_or_else(|| ToolError::BadArguments(format!("{name} needs a string {key:?}")))
    };
    match name {
        "search_kb" => Ok(search_kb(arg("query")?)),
        "lookup_order" => lookup_order(arg("order_id")?).await,
        other => Err(ToolError::UnknownTool(other.to_string())),
    }
}

const ARTICLES: &[(&str, &str, &str)] = &[
    (
        "kb-112",
        "Duplicate card charges",
        "Duplicate card charges are refunded automatically within 5 business days \
         once the payment provider confirms them.",
    ),
    (
        "kb-140",
        "Refund timelines",
        "Refunds reach your card within 5 to 10 business days, depending on your bank.",
    ),
    (
        "kb-087",
        "Changing a delivery address",
        "You can change the delivery address until the order ships.",
    ),
];

/// Finds the articles sharing most words with `query`, best first.
pub fn search_kb(query: &str) -> Value {
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let score = |text: &str| {
        let text = text.to_lowercase();
        terms.iter().filter(|t| text.contains(t.as_str())).count()
    };
    let mut hits: Vec<(usize, &(&str, &str, &str))> = ARTICLES
        .iter()
        .map(|a| (score(&format!("{} {}", a.1, a.2)), a))
        .filter(|(s, _)| *s > 0)
        .collect();
    hits.sort_by_key(|h| std::cmp::Reverse(h.0));
    let results: Vec<Value> = hits
        .iter()
        .take(2)
        .map(|(_, (id, title, snippet))| json!({ "id": id, "title": title, "snippet": snippet }))
        .collect();
    json!({ "results": results })
}

/// Fetches an order, giving up after [`ORDER_LOOKUP_TIMEOUT`].
///
/// # Errors
/// [`ToolError::Timeout`]: the order service of this example never answers in time.
pub async fn lookup_order(order_id: &str) -> Result<Value, ToolError> {
    let slow_backend = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        json!({ "order_id": order_id, "payments": [] })
    };
    tokio::time::timeout(ORDER_LOOKUP_TIMEOUT, slow_backend)
        .await
        .map_err(|_| ToolError::Timeout {
            tool: "lookup_order".to_string(),
            after: ORDER_LOOKUP_TIMEOUT,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duplicate_charge_article_ranks_first() {
        let r = search_kb("charged twice refund duplicate charge");
        assert_eq!(r["results"][0]["id"], "kb-112");
    }

    #[tokio::test]
    async fn the_order_service_times_out() {
        let e = call("lookup_order", &json!({"order_id": "#A1042"}))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "lookup_order timed out after 50 ms");
    }
}
