//! How an event reached the bot, in the terms of `kring_core::trust`: what matrix-sdk says
//! about the device that encrypted it.

use crate::Bot;
use kring_core::trust::{self, SenderDevice};
use matrix_sdk::deserialized_responses::{
    EncryptionInfo, TimelineEvent, VerificationLevel, VerificationState,
};
use matrix_sdk::ruma::{EventId, RoomId, UserId};
use tracing::debug;

/// The device an event came from. A device the bot does not know yet is looked up at the
/// homeserver once and the event decrypted again, so a device that signed in a moment ago and
/// that its owner signed is not refused for being new.
pub(crate) async fn sender_device(
    bot: &Bot,
    room_id: &RoomId,
    event_id: &str,
    sender: &str,
    event: &TimelineEvent,
) -> SenderDevice {
    let device = classify(event.encryption_info().map(|info| info.as_ref()));
    if !trust::worth_a_second_look(device) {
        return device;
    }
    let (Ok(sender), Ok(event_id), Some(room)) = (
        UserId::parse(sender),
        EventId::parse(event_id),
        bot.client.get_room(room_id),
    ) else {
        return device;
    };
    if let Err(error) = bot.client.encryption().request_user_identity(&sender).await {
        debug!(%error, "could not look up a sender's devices");
        return device;
    }
    match room.event(&event_id, None).await {
        Ok(again) => classify(again.encryption_info().map(|info| info.as_ref())),
        Err(error) => {
            debug!(%error, "could not fetch an event again to check its sender");
            device
        }
    }
}

/// matrix-sdk's verdict on the session that encrypted an event, as Kring's trust model names it.
pub(crate) fn classify(info: Option<&EncryptionInfo>) -> SenderDevice {
    let Some(info) = info else {
        return SenderDevice::Plaintext;
    };
    match &info.verification_state {
        VerificationState::Verified
        | VerificationState::Unverified(VerificationLevel::UnverifiedIdentity) => {
            SenderDevice::SignedByOwner
        }
        VerificationState::Unverified(VerificationLevel::VerificationViolation) => {
            SenderDevice::ChangedIdentity
        }
        VerificationState::Unverified(VerificationLevel::UnsignedDevice) => {
            SenderDevice::UnsignedDevice
        }
        VerificationState::Unverified(VerificationLevel::None(_)) => SenderDevice::UnknownDevice,
        VerificationState::Unverified(VerificationLevel::MismatchedSender) => {
            SenderDevice::OtherSender
        }
    }
}
