//! Kiln's benchmark programs and harness: the `.py` programs under
//! `benches/programs/` and the criterion benches that time them per tier.
//! It holds no benches yet.
