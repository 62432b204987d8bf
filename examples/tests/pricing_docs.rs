//! `docs/pricing.md` lists every model of the bundled price table.

use aitrace::PriceTable;

const DOC: &str = include_str!("../../docs/pricing.md");

#[test]
fn every_bundled_model_is_listed_in_the_pricing_document() {
    for (name, _) in PriceTable::bundled().iter() {
        assert!(
            DOC.contains(&format!("| `{name}` |")),
            "{name} is missing from the table in docs/pricing.md"
        );
    }
}
