//! The `kring` command's parts, as a library so the end-to-end tests can reuse them.

pub mod accounts;
pub mod audit;
pub mod config;
pub mod consults;
pub mod run;
pub mod users;
