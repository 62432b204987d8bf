//! OTLP on the receiving side: request bodies decoded under a size cap, spans
//! checked and converted to what the store keeps and the SDK's summaries read.

pub mod convert;
pub mod decode;
pub mod values;

pub use convert::{span_data, Batch};
pub use decode::{decode_message, decode_request, DecodeError, Encoding, Format};
