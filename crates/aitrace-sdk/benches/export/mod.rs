//! Support of `benches/export_throughput.rs`: the receiver, the upstream
//! baseline, the zero-loss search, and what is read from `/proc`.

pub mod proc;
pub mod receiver;
pub mod search;
pub mod upstream;
