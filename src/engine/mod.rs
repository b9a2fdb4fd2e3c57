//! The cluster engine.
