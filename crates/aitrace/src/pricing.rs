//! Model prices and the cost of a call.
//!
//! Prices are US dollars per million tokens. The bundled table
//! (`crates/aitrace/data/pricing.json`, sources and dates in `docs/pricing.md`)
//! can be extended or overridden from a file ([`PriceTable::with_file`], or the
//! `AITRACE_PRICING_FILE` variable) or in code ([`PriceTable::insert`]).
//! A model that is not in the table gets no cost: aitrace never guesses.

use crate::usage::Usage;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The highest rate accepted, in USD per million tokens (a dollar a token): above
/// it a price file is certainly wrong, and costs could overflow to infinity.
pub const MAX_RATE: f64 = 1_000_000.0;

/// Prices of one model, in USD per million tokens.
///
/// In a price file an unknown field is an error, so that a misspelt rate
/// (`cached_read`) cannot silently fall back to the input price.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Uncached prompt tokens.
    pub input: f64,
    /// Completion tokens.
    pub output: f64,
    /// Prompt tokens read from the cache; the input price when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    /// Prompt tokens written to the cache; the input price when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// Reasoning tokens; the output price when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
    /// The provider, as in `gen_ai.provider.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Where the price was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When the price was read (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

impl ModelPrice {
    /// A price with input and output rates only.
    pub fn new(input: f64, output: f64) -> ModelPrice {
        ModelPrice {
            input,
            output,
            cache_read: None,
            cache_write: None,
            reasoning: None,
            provider: None,
            source: None,
            as_of: None,
        }
    }

    /// Sets the cache-read rate.
    pub fn with_cache_read(mut self, rate: f64) -> ModelPrice {
        self.cache_read = Some(rate);
        self
    }

    /// Sets the cache-write rate.
    pub fn with_cache_write(mut self, rate: f64) -> ModelPrice {
        self.cache_write = Some(rate);
        self
    }

    /// Sets the reasoning rate.
    pub fn with_reasoning(mut self, rate: f64) -> ModelPrice {
        self.reasoning = Some(rate);
        self
    }

    /// The cost of `usage` at these prices.
    pub fn cost(&self, usage: &Usage) -> Cost {
        const M: f64 = 1_000_000.0;
        let input = usage.uncached_input_tokens() as f64 * self.input
            + usage.cache_read_tokens as f64 * self.cache_read.unwrap_or(self.input)
            + usage.cache_creation_tokens as f64 * self.cache_write.unwrap_or(self.input);
        let reasoning = usage.reasoning_tokens.min(usage.output_tokens);
        let output = (usage.output_tokens - reasoning) as f64 * self.output
            + reasoning as f64 * self.reasoning.unwrap_or(self.output);
        Cost {
            input_usd: input / M,
            output_usd: output / M,
        }
    }
}

/// The cost of one call, in USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cost {
    /// Prompt side, cache reads and writes included.
    pub input_usd: f64,
    /// Completion side, reasoning included.
    pub output_usd: f64,
}

impl Cost {
    /// Input plus output.
    pub fn total_usd(&self) -> f64 {
        self.input_usd + self.output_usd
    }

    /// The total in millionths of a cent (1 USD = 100 000 000), rounded.
    pub fn total_microcents(&self) -> i64 {
        (self.total_usd() * 100_000_000.0).round() as i64
    }

    /// The attributes a model call span carries for this cost, in `dialects`:
    /// `ai.cost_usd` and `ai.cost_microcents` always, `gen_ai.usage.cost` with
    /// the `gen_ai` dialect, `llm.cost.*` with OpenInference. The same names a
    /// generation span writes; for pipelines that price spans made elsewhere.
    ///
    /// ```
    /// use aitrace::{Cost, Dialects};
    /// let cost = Cost { input_usd: 0.002, output_usd: 0.001 };
    /// let attrs = cost.attributes(Dialects::default());
    /// assert!(attrs.iter().any(|kv| kv.key.as_str() == "gen_ai.usage.cost"));
    /// assert!(attrs.iter().any(|kv| kv.key.as_str() == "ai.cost_microcents"
    ///     && kv.value == opentelemetry::Value::I64(300_000)));
    /// ```
    pub fn attributes(&self, dialects: crate::Dialects) -> Vec<opentelemetry::KeyValue> {
        let mut out = Vec::with_capacity(6);
        crate::span::Attrs {
            out: &mut out,
            d: dialects,
        }
        .cost(self, true);
        out
    }
}

/// Why a price file could not be used.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum PricingError {
    /// The file could not be read.
    #[error("cannot read price file {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        message: String,
    },
    /// The file is not a valid price table.
    #[error("invalid price file {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A price is negative or not a finite number.
    #[error("invalid price for model {model:?} in {path}: prices must be between 0 and 1000000 USD per million tokens")]
    BadPrice {
        /// The file.
        path: String,
        /// The model.
        model: String,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    #[serde(default, rename = "_comment")]
    _comment: Option<serde_json::Value>,
    models: HashMap<String, ModelPrice>,
}

/// Prices of models by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceTable {
    models: HashMap<String, ModelPrice>,
}

impl PriceTable {
    /// An empty table: every model is unknown.
    pub fn empty() -> PriceTable {
        PriceTable::default()
    }

    /// The prices bundled with this release (see `docs/pricing.md`).
    pub fn bundled() -> &'static PriceTable {
        static BUNDLED: OnceLock<PriceTable> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            PriceTable::from_json_str(include_str!("../data/pricing.json"), "bundled pricing.json")
                .expect("the bundled price table is valid (checked by a unit test)")
        })
    }

    /// Parses a price table in the file format: `{"models": {"name": {"input": .., "output": ..}}}`.
    ///
    /// # Errors
    /// [`PricingError::Parse`] or [`PricingError::BadPrice`], naming `origin`.
    pub fn from_json_str(json: &str, origin: &str) -> Result<PriceTable, PricingError> {
        let file: PriceFile = serde_json::from_str(json).map_err(|e| PricingError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        for (model, p) in &file.models {
            let rates = [
                Some(p.input),
                Some(p.output),
                p.cache_read,
                p.cache_write,
                p.reasoning,
            ];
            if rates
                .iter()
                .flatten()
                .any(|r| !r.is_finite() || *r < 0.0 || *r > MAX_RATE)
            {
                return Err(PricingError::BadPrice {
                    path: origin.to_string(),
                    model: model.clone(),
                });
            }
        }
        Ok(PriceTable {
            models: file.models,
        })
    }

    /// This table with the prices of `path` added; a model in both takes the file's price.
    ///
    /// # Errors
    /// [`PricingError`] when the file cannot be read or is not a valid table.
    pub fn with_file(&self, path: impl AsRef<Path>) -> Result<PriceTable, PricingError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| PricingError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let extra = PriceTable::from_json_str(&text, &path.display().to_string())?;
        let mut merged = self.clone();
        merged.models.extend(extra.models);
        Ok(merged)
    }

    /// Adds or replaces one model's price.
    pub fn insert(&mut self, model: impl Into<String>, price: ModelPrice) -> &mut Self {
        self.models.insert(model.into(), price);
        self
    }

    /// The number of models priced.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when no model is priced.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// The models priced, with their prices.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.models.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The price of `model`.
    ///
    /// Exact names match first. A provider prefix (`openai/gpt-4o`) is ignored, and
    /// a dated or versioned snapshot (`gpt-4o-2024-08-06`, `claude-sonnet-4-5@20250929`,
    /// `gemini-2.0-flash-001`) takes the price of its base name: the suffix is a `-`, `@`
    /// or `:` followed by digits and dashes only, starting with at least two digits.
    /// Anything else is unknown: `gpt-4o-mini` never takes the price of `gpt-4o`, nor
    /// `claude-opus-4-6` (a newer model, not a snapshot) that of `claude-opus-4`.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        if let Some(p) = self.models.get(model) {
            return Some(p);
        }
        let bare = model.rsplit_once('/').map_or(model, |(_, m)| m);
        if let Some(p) = self.models.get(bare) {
            return Some(p);
        }
        let mut best: Option<(&str, &ModelPrice)> = None;
        for (name, price) in &self.models {
            let Some(rest) = bare.strip_prefix(name.as_str()) else {
                continue;
            };
            if is_snapshot_suffix(rest) && best.is_none_or(|(b, _)| name.len() > b.len()) {
                best = Some((name, price));
            }
        }
        best.map(|(_, p)| p)
    }

    /// The cost of `usage` on `model`, or `None` when the model is not priced.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<Cost> {
        self.get(model).map(|p| p.cost(usage))
    }
}

/// True for `-2024-08-06`, `@20250929`, `-001`, `-0613`: a separator, then digits and
/// dashes only, the first run of digits at least two long. Not for `-4-6` or `-mini`.
fn is_snapshot_suffix(rest: &str) -> bool {
    let Some(tail) = rest.strip_prefix(['-', '@', ':']) else {
        return false;
    };
    let leading_digits = tail.chars().take_while(char::is_ascii_digit).count();
    leading_digits >= 2 && tail.chars().all(|c| c.is_ascii_digit() || c == '-')
}

/// The cost of `usage` on `model`, as `prices.cost(model, usage)`.
///
/// Resolving a dated snapshot name (`gpt-4o-2024-08-06`, as providers report the
/// model that answered) to its base name scans the whole table. Each thread
/// remembers its last few resolutions, so a generation span usually pays a string
/// comparison instead. An entry belongs to one table (compared by address; the
/// `Weak` keeps the address from being reused while the entry exists).
pub(crate) fn cost_of(
    prices: &Arc<crate::PriceTable>,
    model: &str,
    usage: &crate::Usage,
) -> Option<crate::Cost> {
    use std::cell::RefCell;
    use std::sync::Weak;
    type Entry = (Weak<crate::PriceTable>, Box<str>, Option<crate::ModelPrice>);
    const ENTRIES: usize = 8;
    thread_local! {
        static RESOLVED: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    }
    let table = Arc::as_ptr(prices);
    let hit = RESOLVED.try_with(|r| {
        r.borrow()
            .iter()
            .find(|(t, m, _)| t.as_ptr() == table && &**m == model)
            .map(|(_, _, price)| price.as_ref().map(|p| p.cost(usage)))
    });
    match hit {
        Ok(Some(cost)) => cost,
        Ok(None) => {
            let price = prices.get(model).cloned();
            let cost = price.as_ref().map(|p| p.cost(usage));
            let _ = RESOLVED.try_with(|r| {
                let mut r = r.borrow_mut();
                if r.len() == ENTRIES {
                    r.remove(0);
                }
                r.push((Arc::downgrade(prices), model.into(), price));
            });
            cost
        }
        // Thread locals are gone (the thread is exiting): no memory.
        Err(_) => prices.cost(model, usage),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn remembered_prices_belong_to_their_table() {
        use std::sync::Arc;
        let table = |input: f64| {
            let mut t = PriceTable::empty();
            t.insert("m", ModelPrice::new(input, 1.0));
            Arc::new(t)
        };
        let usage = Usage::new(1_000_000, 0);
        let (cheap, dear) = (table(1.0), table(5.0));
        for _ in 0..2 {
            assert_eq!(cost_of(&cheap, "m", &usage).unwrap().total_usd(), 1.0);
            assert_eq!(cost_of(&dear, "m", &usage).unwrap().total_usd(), 5.0);
            assert_eq!(
                cost_of(&cheap, "m-2024-08-06", &usage).unwrap().total_usd(),
                1.0
            );
            assert!(cost_of(&cheap, "unknown", &usage).is_none());
        }
        // More tables and models than the memory holds: still the table's own price.
        for i in 0..20 {
            let t = table(f64::from(i));
            assert_eq!(cost_of(&t, "m", &usage).unwrap().total_usd(), f64::from(i));
        }
        assert_eq!(cost_of(&dear, "m", &usage).unwrap().total_usd(), 5.0);
    }
    use super::*;

    #[test]
    fn bundled_table_parses_and_is_not_empty() {
        assert!(PriceTable::bundled().len() >= 4);
    }

    #[test]
    fn snapshot_names_match_their_base_and_nothing_else() {
        let mut t = PriceTable::empty();
        t.insert("gpt-4o", ModelPrice::new(2.5, 10.0));
        t.insert("gpt-4o-mini", ModelPrice::new(0.15, 0.6));
        assert_eq!(t.get("gpt-4o-2024-08-06").unwrap().input, 2.5);
        assert_eq!(t.get("gpt-4o-mini-2024-07-18").unwrap().input, 0.15);
        assert_eq!(t.get("openai/gpt-4o").unwrap().input, 2.5);
        assert!(t.get("gpt-4o-audio-preview").is_none());
        assert!(t.get("gpt-4").is_none());
    }

    #[test]
    fn a_newer_version_is_not_a_snapshot_of_an_older_one() {
        let mut t = PriceTable::empty();
        t.insert("claude-opus-4", ModelPrice::new(15.0, 75.0));
        t.insert("gemini-2.0-flash", ModelPrice::new(0.1, 0.4));
        assert_eq!(t.get("claude-opus-4-20250514").unwrap().input, 15.0);
        assert_eq!(t.get("claude-opus-4@20250514").unwrap().input, 15.0);
        assert_eq!(t.get("gemini-2.0-flash-001").unwrap().input, 0.1);
        assert!(t.get("claude-opus-4-6").is_none());
        assert!(t.get("claude-opus-4-5-20251101").is_none());
        assert!(t.get("claude-opus-4-20250514-v1:0").is_none());
        assert!(t.get("claude-opus-4-").is_none());
    }

    #[test]
    fn unknown_fields_of_a_model_are_rejected() {
        let e = PriceTable::from_json_str(
            r#"{"models":{"m":{"input":1,"output":2,"cached_read":0.1}}}"#,
            "f.json",
        )
        .unwrap_err();
        assert!(matches!(e, PricingError::Parse { .. }), "{e}");
        assert!(e.to_string().contains("cached_read"), "{e}");
    }

    #[test]
    fn absurd_prices_are_rejected() {
        let e =
            PriceTable::from_json_str(r#"{"models":{"m":{"input":1e308,"output":1}}}"#, "f.json")
                .unwrap_err();
        assert!(matches!(e, PricingError::BadPrice { .. }), "{e}");
    }

    #[test]
    fn negative_prices_are_rejected() {
        let e = PriceTable::from_json_str(r#"{"models":{"m":{"input":-1,"output":1}}}"#, "f.json")
            .unwrap_err();
        assert!(matches!(e, PricingError::BadPrice { .. }), "{e}");
    }
}
