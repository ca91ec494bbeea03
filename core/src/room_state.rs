//! The room settings a network room keeps, whoever tries to change them. Room names, topics
//! and avatars are not encrypted, so they must never say whose network it is; who may enter,
//! who may read earlier messages, who holds which power and whether the room stays encrypted
//! and stays itself (no upgrade to a room someone else made) is the client's say through Kring,
//! not a setting anyone with power level 100 (the client's stolen token, a representative) can
//! quietly turn.

use crate::messages::NETWORK_ROOM_NAME;
use serde_json::{Map, Value, json};

pub const POWER_LEVELS: &str = "m.room.power_levels";

/// Megolm, the only algorithm Kring's clients and bots speak.
pub const ENCRYPTION_ALGORITHM: &str = "m.megolm.v1.aes-sha2";

/// How a setting's content is held against the one it must carry.
enum Kept {
    /// Exactly this content: what people read in the clear, or how the room is encrypted, where
    /// an extra field (`m.topic`, which Element shows first; a longer key rotation) could carry
    /// or weaken what the checked one does not.
    Whole(Value),
    /// These fields with these values; others the server may add are left alone, so a new
    /// field does not start a tug of war.
    Fields(Value),
    /// No content at all (no avatar, no public address, no "this room was replaced").
    Nothing,
}

fn kept(event_type: &str) -> Option<Kept> {
    Some(match event_type {
        "m.room.join_rules" => Kept::Fields(json!({ "join_rule": "invite" })),
        "m.room.history_visibility" => Kept::Fields(json!({ "history_visibility": "joined" })),
        "m.room.guest_access" => Kept::Fields(json!({ "guest_access": "forbidden" })),
        "m.room.name" => Kept::Whole(json!({ "name": NETWORK_ROOM_NAME })),
        "m.room.topic" => Kept::Whole(json!({ "topic": "" })),
        "m.room.encryption" => Kept::Whole(json!({ "algorithm": ENCRYPTION_ALGORITHM })),
        "m.room.avatar" | "m.room.canonical_alias" => Kept::Nothing,
        _ => return None,
    })
}

/// A room upgrade: "this room was replaced by another". It cannot be taken back (Element hides
/// the composer for any tombstone, whatever its content), so only the room's creators (the bot
/// and the client) may send one ([`network_room_power_levels`]); one sent all the same, from
/// the client's account, is refused: the bot does not follow it, and the client is told.
pub const TOMBSTONE: &str = "m.room.tombstone";

/// Whether Kring watches this setting of a network room (power levels have their own rule:
/// [`network_room_power_levels`]).
pub fn is_network_room_setting(event_type: &str) -> bool {
    kept(event_type).is_some() || event_type == TOMBSTONE
}

/// The content to put back when `current` is not what the setting must be; `None` when it is
/// (or when Kring keeps no such setting). `current` is `{}` for a setting never set.
pub fn restored(event_type: &str, current: &Value) -> Option<Value> {
    if event_type == POWER_LEVELS {
        return restored_power_levels(current);
    }
    let empty = || current.as_object().is_none_or(Map::is_empty);
    match kept(event_type)? {
        Kept::Whole(required) => {
            // A topic never set says nothing either.
            let unset_is_fine = event_type == "m.room.topic" && empty();
            (current != &required && !unset_is_fine).then_some(required)
        }
        Kept::Fields(required) => {
            let fields = required.as_object()?;
            let holds = fields
                .iter()
                .all(|(key, value)| current.get(key) == Some(value));
            (!holds).then_some(required)
        }
        Kept::Nothing => (!empty()).then(|| json!({})),
    }
}

/// Whether `content` is what the setting must be.
pub fn keeps_setting(event_type: &str, content: &Value) -> bool {
    restored(event_type, content).is_none()
}

/// A network room's power levels apart from who holds them: only the owners (and a
/// representative, given 100) invite, remove, redact or change any state; everyone may talk;
/// only the creators (power above 100 in room version 12) may replace the room. The same at
/// creation and whenever someone turns one.
pub fn network_room_power_levels() -> Value {
    json!({
        "users_default": 0,
        "events_default": 0,
        "state_default": 100,
        "invite": 100,
        "kick": 100,
        "ban": 100,
        "redact": 100,
        "notifications": { "room": 100 },
        "events": { TOMBSTONE: 150 }
    })
}

const IGNORED_POWER_LEVEL: &str = "historical";

/// A power-levels field as it counts: a field left out has the default the Matrix spec gives
/// it (clients such as matrix-sdk leave out what equals the default).
fn effective_power_level(content: &Map<String, Value>, key: &str) -> Value {
    let default = match key {
        "users_default" | "events_default" | "invite" => json!(0),
        "state_default" | "kick" | "ban" | "redact" => json!(50),
        "events" => json!({}),
        "notifications" => json!({}),
        _ => Value::Null,
    };
    let value = content.get(key).cloned().unwrap_or(default);
    if key == "notifications" {
        // Only `room` is named by the spec (default 50); other keys count as written.
        let mut notifications = value.as_object().cloned().unwrap_or_default();
        notifications
            .entry("room".to_owned())
            .or_insert_with(|| json!(50));
        return Value::Object(notifications);
    }
    value
}

/// The power levels with every field but `users` put back (who holds power is checked against
/// the network's members apart: `network::unapproved_power`); `None` when they already hold.
fn restored_power_levels(current: &Value) -> Option<Value> {
    let required = network_room_power_levels();
    let required = required.as_object()?;
    let mut content = current.as_object().cloned().unwrap_or_default();
    let mut changed = false;
    for (key, value) in required {
        if effective_power_level(&content, key) != *value {
            content.insert(key.clone(), value.clone());
            changed = true;
        }
    }
    // A field the rules do not name (a future one) could only loosen something: dropped.
    // Except `historical`, which Synapse sets in every room it creates (MSC2716, withdrawn)
    // and matrix-sdk leaves out when it writes power levels: neither counts as a change.
    let users = content.remove("users");
    let before = content.len();
    content.retain(|key, _| required.contains_key(key) || key == IGNORED_POWER_LEVEL);
    changed |= content.len() != before;
    if let Some(users) = users {
        content.insert("users".to_owned(), users);
    }
    changed.then_some(Value::Object(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_turned_is_noticed_and_the_kept_one_is_not() {
        for (event_type, turned) in [
            ("m.room.join_rules", json!({ "join_rule": "public" })),
            ("m.room.join_rules", json!({ "join_rule": "knock" })),
            (
                "m.room.history_visibility",
                json!({ "history_visibility": "shared" }),
            ),
            (
                "m.room.history_visibility",
                json!({ "history_visibility": "world_readable" }),
            ),
            ("m.room.guest_access", json!({ "guest_access": "can_join" })),
            (
                "m.room.name",
                json!({ "name": "Netwerk van Anna de Vries" }),
            ),
            ("m.room.name", json!({})),
            ("m.room.topic", json!({ "topic": "Anna, schizofrenie" })),
            ("m.room.avatar", json!({ "url": "mxc://kring.test/anna" })),
            ("m.room.avatar", json!({ "url": "" })),
            ("m.room.encryption", json!({})),
            (
                "m.room.encryption",
                json!({ "algorithm": "m.olm.v1.curve25519-aes-sha2" }),
            ),
            (
                "m.room.encryption",
                json!({ "algorithm": ENCRYPTION_ALGORITHM, "rotation_period_msgs": 1000000 }),
            ),
            (
                "m.room.canonical_alias",
                json!({ "alias": "#netwerk-anna-de-vries:kring.test" }),
            ),
        ] {
            let put_back = restored(event_type, &turned)
                .unwrap_or_else(|| panic!("{event_type} {turned} not noticed"));
            assert!(keeps_setting(event_type, &put_back), "{event_type}");
            assert!(!keeps_setting(event_type, &turned), "{event_type} {turned}");
        }
        for (event_type, fine) in [
            ("m.room.topic", json!({})),
            ("m.room.topic", json!({ "topic": "" })),
            ("m.room.avatar", json!({})),
            ("m.room.canonical_alias", json!({})),
            (
                "m.room.encryption",
                json!({ "algorithm": ENCRYPTION_ALGORITHM }),
            ),
            (
                "m.room.join_rules",
                json!({ "join_rule": "invite", "extra": 1 }),
            ),
            ("m.room.message", json!({ "body": "hallo" })),
        ] {
            assert!(keeps_setting(event_type, &fine), "{event_type} {fine}");
        }
        assert!(!keeps_setting(
            "m.room.topic",
            &json!({ "topic": "", "m.topic": [{ "body": "Anna, schizofrenie" }] })
        ));
    }

    #[test]
    fn a_room_upgrade_is_watched_but_cannot_be_put_back() {
        assert!(is_network_room_setting(TOMBSTONE));
        assert_eq!(
            restored(TOMBSTONE, &json!({ "replacement_room": "!x:y" })),
            None
        );
    }

    fn levels_with(field: &str, value: Value) -> Value {
        let mut levels = network_room_power_levels();
        levels[field] = value;
        levels["users"] = json!({ "@kring:kring.test": 100 });
        levels
    }

    #[test]
    fn power_levels_are_put_back_field_by_field_and_who_holds_them_is_left_alone() {
        let mut fine = network_room_power_levels();
        fine["users"] = json!({ "@kring:kring.test": 100, "@rep:kring.test": 100 });
        assert!(keeps_setting(POWER_LEVELS, &fine));
        for (field, turned) in [
            ("users_default", json!(50)),
            ("events_default", json!(100)),
            ("state_default", json!(0)),
            ("invite", json!(0)),
            ("kick", json!(0)),
            ("ban", json!(50)),
            ("redact", json!(0)),
            ("notifications", json!({ "room": 0 })),
            ("events", json!({ "m.room.name": 0 })),
            ("events", json!({ "m.room.message": 100 })),
            ("events", json!({})),
            ("some_future_field", json!(0)),
        ] {
            let levels = levels_with(field, turned.clone());
            let put_back = restored(POWER_LEVELS, &levels)
                .unwrap_or_else(|| panic!("{field} = {turned} not noticed"));
            assert!(keeps_setting(POWER_LEVELS, &put_back), "{field}");
            assert_eq!(put_back["users"], levels["users"], "{field}");
        }
        let mut with_historical = fine.clone();
        with_historical["historical"] = json!(100);
        assert!(keeps_setting(POWER_LEVELS, &with_historical));
        // What matrix-sdk writes: fields at their default left out, which count as written.
        let mut sparse = fine.clone();
        for field in ["users_default", "events_default"] {
            sparse.as_object_mut().unwrap().remove(field);
        }
        assert!(keeps_setting(POWER_LEVELS, &sparse), "{sparse}");
        let mut loosened = fine.clone();
        loosened.as_object_mut().unwrap().remove("invite");
        assert!(
            !keeps_setting(POWER_LEVELS, &loosened),
            "no invite level is the default 0: anyone invites"
        );
        // Power levels the server never had default to a looser state_default (50): put back.
        assert!(!keeps_setting(POWER_LEVELS, &json!({})));
    }
}
