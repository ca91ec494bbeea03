//! A message whose key never came: the sender hears it was lost, in the room where they wrote it.

use crate::dispatch::here;
use crate::{Bot, BotError};
use kring_core::messages;
use kring_core::plan::Plan;
use kring_store::InboxEntry;

pub(crate) async fn could_not_read(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let language = bot
        .store
        .member_language(&entry.sender)
        .await?
        .unwrap_or_default();
    let Ok(sender) = kring_core::MatrixId::parse(&entry.sender) else {
        return Ok(Plan::new());
    };
    let sender = messages::Person::new(sender, None);
    Ok(Plan::reply(
        here(entry)?,
        messages::could_not_read(language, &sender, entry.origin_ts),
        None,
    ))
}
