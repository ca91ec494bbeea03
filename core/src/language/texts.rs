use super::Language;
use crate::messages::BotReply;
use crate::messages::Builder;

pub fn language_set(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Goed. Ik antwoord u voortaan in het Nederlands.")
            .build(),
        Language::English => Builder::new()
            .paragraph("Fine. From now on I will answer you in English.")
            .build(),
    }
}
