//! What the basics say.

use crate::capability::help_lines;
use crate::language::Language;
use crate::messages::{BotReply, Builder};

/// What `!status` reports; gathered by the bot runtime, worded here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub version: String,
    pub homeserver_reachable: bool,
    pub store_healthy: bool,
}

/// `!hulp`: what Kring is, then every capability's help lines, in the order they register.
pub fn help(language: Language) -> BotReply {
    let lines: Vec<(&str, &str)> = help_lines()
        .map(|line| (line.example.get(language), line.explanation.get(language)))
        .collect();
    match language {
        Language::Dutch => Builder::new()
            .lead("Kring", " is de plek waar u en de mensen die u helpen samen praten. U bepaalt wie meedoet en wie wat ziet. Alles is versleuteld.")
            .paragraph("Ik ben de Kring-bot. Typ een opdracht die begint met een uitroepteken:")
            .commands(&lines)
            .paragraph("English? Type !help en")
            .build(),
        Language::English => Builder::new()
            .lead("Kring", " is where you and the people who help you talk together. You decide who takes part and who sees what. Everything is encrypted.")
            .paragraph("I am the Kring bot. Type a command that starts with an exclamation mark:")
            .commands(&lines)
            .paragraph("Nederlands? Typ !hulp")
            .build(),
    }
}

pub fn status(language: Language, report: &StatusReport) -> BotReply {
    let yes_no = |ok: bool| match (language, ok) {
        (Language::Dutch, true) => "ja",
        (Language::Dutch, false) => "nee",
        (Language::English, true) => "yes",
        (Language::English, false) => "no",
    };
    let all_ok = report.homeserver_reachable && report.store_healthy;
    match language {
        Language::Dutch => Builder::new()
            .lead(
                if all_ok {
                    "Kring werkt."
                } else {
                    "Kring heeft een probleem."
                },
                if all_ok {
                    ""
                } else {
                    " De beheerder is gewaarschuwd; probeer het later nog eens."
                },
            )
            .commands(&[
                ("versie", &report.version),
                ("server bereikbaar", yes_no(report.homeserver_reachable)),
                ("opslag in orde", yes_no(report.store_healthy)),
            ])
            .build(),
        Language::English => Builder::new()
            .lead(
                if all_ok {
                    "Kring is working."
                } else {
                    "Kring has a problem."
                },
                if all_ok {
                    ""
                } else {
                    " The administrator has been warned; please try again later."
                },
            )
            .commands(&[
                ("version", &report.version),
                ("server reachable", yes_no(report.homeserver_reachable)),
                ("storage healthy", yes_no(report.store_healthy)),
            ])
            .build(),
    }
}

/// Said once when someone opens a direct chat with the bot.
pub fn direct_chat_greeting(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .lead(
                "Hallo, ik ben de Kring-bot.",
                " Dit gesprek is versleuteld: alleen u en ik kunnen het lezen.",
            )
            .paragraph("Typ !hulp om te zien wat ik kan. (English: type !help en)")
            .build(),
        Language::English => Builder::new()
            .lead(
                "Hello, I am the Kring bot.",
                " This chat is encrypted: only you and I can read it.",
            )
            .paragraph("Type !help to see what I can do. (Nederlands: typ !hulp)")
            .build(),
    }
}

/// The answer to ordinary text in a direct chat, which the bot cannot understand.
pub fn chat_hint(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Ik begrijp alleen opdrachten die met een uitroepteken beginnen. Typ !hulp om te zien welke er zijn.")
            .build(),
        Language::English => Builder::new()
            .paragraph("I only understand commands that start with an exclamation mark. Type !help to see which exist.")
            .build(),
    }
}
