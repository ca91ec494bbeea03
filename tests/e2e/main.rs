//! End-to-end tests: a real Synapse, real end-to-end encryption, the real bot.
//! One test binary, so the heavy dependencies link once.

mod audit_cli;
mod bot_basics;
mod consults;
mod element;
mod exactly_once;
mod kring_up;
mod late_key;
mod meetings;
mod network_restart;
mod networks;
mod security;
mod user_admin;
