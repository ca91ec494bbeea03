//! The room settings a network room keeps, whoever tries to change them. Room names, topics
//! and avatars are not encrypted, so they must never say whose network it is; who may enter and
//! who may read earlier messages is the client's say through Kring, not a setting anyone with
//! power level 100 (the client's stolen token, a representative) can quietly turn.

use crate::messages::NETWORK_ROOM_NAME;
use serde_json::{Value, json};

/// The settings a network room has, by state event type, with the content it must carry.
pub fn network_room_setting(event_type: &str) -> Option<Value> {
    Some(match event_type {
        "m.room.join_rules" => json!({ "join_rule": "invite" }),
        "m.room.history_visibility" => json!({ "history_visibility": "joined" }),
        "m.room.guest_access" => json!({ "guest_access": "forbidden" }),
        "m.room.name" => json!({ "name": NETWORK_ROOM_NAME }),
        "m.room.topic" => json!({ "topic": "" }),
        "m.room.avatar" => json!({}),
        _ => return None,
    })
}

/// Whether `content` is what the setting must be (fields the setting does not name are
/// ignored, so a server adding one does not start a tug of war).
pub fn keeps_setting(event_type: &str, content: &Value) -> bool {
    let Some(required) = network_room_setting(event_type) else {
        return true;
    };
    // What people read in the clear is compared whole: an extra field (`m.topic`, which Element
    // shows first) could carry what the checked one does not.
    if matches!(event_type, "m.room.name" | "m.room.topic" | "m.room.avatar") {
        return match content.as_object() {
            Some(fields) if fields.is_empty() => event_type != "m.room.name",
            _ => content == &required,
        };
    }
    match (required.as_object(), content.as_object()) {
        (Some(required), _) if required.is_empty() => {
            // An avatar: none at all.
            content
                .get("url")
                .is_none_or(|url| url.as_str() == Some(""))
        }
        (Some(required), Some(content)) => required.iter().all(|(key, value)| {
            content.get(key) == Some(value)
                || (value == "" && content.get(key).is_none_or(|got| got == ""))
        }),
        _ => false,
    }
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
            ("m.room.topic", json!({ "topic": "Anna, schizofrenie" })),
            ("m.room.avatar", json!({ "url": "mxc://kring.test/anna" })),
        ] {
            assert!(!keeps_setting(event_type, &turned), "{event_type} {turned}");
            let required = network_room_setting(event_type).unwrap();
            assert!(keeps_setting(event_type, &required), "{event_type}");
        }
        assert!(keeps_setting("m.room.topic", &json!({})));
        assert!(!keeps_setting(
            "m.room.topic",
            &json!({ "topic": "", "m.topic": [{ "body": "Anna, schizofrenie" }] })
        ));
        assert!(!keeps_setting(
            "m.room.avatar",
            &json!({ "url": "mxc://x/y" })
        ));
        assert!(keeps_setting("m.room.message", &json!({ "body": "hallo" })));
        assert!(keeps_setting(
            "m.room.join_rules",
            &json!({ "join_rule": "invite", "extra": 1 })
        ));
    }
}
