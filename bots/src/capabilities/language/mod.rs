//! The language capability: `!taal`.

mod set;

pub(crate) use set::on_command;
