//! Attribute names, one module of constants per dialect.
//!
//! - [`ai`]: aitrace's own names, always emitted.
//! - [`gen_ai`]: the OpenTelemetry GenAI semantic conventions (see
//!   [`gen_ai::SEMCONV_VERSION`]), on by default.
//! - [`openinference`]: the OpenInference conventions read by Arize Phoenix, opt-in.
//! - [`openllmetry`]: names older OpenLLMetry releases write; read on spans
//!   from other instrumentation, never written.
//!
//! Renames upstream are a change in exactly one of these files.

pub mod ai;
pub mod gen_ai;
pub mod openinference;
pub mod openllmetry;
