//! Sending into a room and removing someone from it, in order across lanes. Lanes run side by
//! side, so a removal planned in one (consent withdrawn in the private chat) and a message
//! planned in another (a reminder in the network's lane) could meet in the same room. A message
//! encrypted while a removal is under way is encrypted for the person being removed (DESIGN.md,
//! "remove, then send at once, leaks"): so a removal holds its room alone until the bot's own
//! view shows it, and sends share the room with each other but not with a removal.

use matrix_sdk::ruma::{OwnedRoomId, RoomId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

#[derive(Debug, Default)]
pub(crate) struct RoomGuards {
    rooms: Mutex<HashMap<OwnedRoomId, Arc<RwLock<()>>>>,
}

impl RoomGuards {
    fn of(&self, room_id: &RoomId) -> Arc<RwLock<()>> {
        // A panic while holding the map left a valid map behind.
        let mut rooms = self
            .rooms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        rooms.entry(room_id.to_owned()).or_default().clone()
    }

    /// Held while a message is encrypted and sent.
    pub(crate) async fn sending(&self, room_id: &RoomId) -> OwnedRwLockReadGuard<()> {
        self.of(room_id).read_owned().await
    }

    /// Held while someone is removed, until the bot's view shows it.
    pub(crate) async fn removing(&self, room_id: &RoomId) -> OwnedRwLockWriteGuard<()> {
        self.of(room_id).write_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::ruma::room_id;
    use std::time::Duration;

    #[tokio::test]
    async fn a_removal_waits_for_sends_and_sends_wait_for_a_removal() {
        let guards = Arc::new(RoomGuards::default());
        let room = room_id!("!meeting:kring.test");
        let other = room_id!("!other:kring.test");
        let first = guards.sending(room).await;
        let second = guards.sending(room).await;
        // Sends share the room; a removal waits for both.
        let removing = tokio::time::timeout(Duration::from_millis(50), guards.removing(room)).await;
        assert!(
            removing.is_err(),
            "a removal waits while a message is being sent"
        );
        drop((first, second));
        let removal = guards.removing(room).await;
        let send = tokio::time::timeout(Duration::from_millis(50), guards.sending(room)).await;
        assert!(send.is_err(), "a send waits while a removal is under way");
        // Another room is not held up.
        let elsewhere =
            tokio::time::timeout(Duration::from_millis(50), guards.sending(other)).await;
        assert!(elsewhere.is_ok());
        drop(removal);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), guards.sending(room))
                .await
                .is_ok()
        );
    }
}
