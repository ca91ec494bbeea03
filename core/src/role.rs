use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The part someone plays in a care network. See DESIGN.md, "Roles and rules".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// The person the network is for; they steer it.
    Client,
    /// Acts for the client, appointed by the client.
    Representative,
    /// Family carer or someone close (mantelzorger, naaste).
    Carer,
    /// A professional of an organisation. `discipline` is one of [`DISCIPLINES`]' keys.
    Professional {
        organisation: String,
        discipline: String,
    },
    /// An organisation's system identity (the FHIR bridge speaks as it).
    Organisation,
    /// The region's administrator (beheer).
    RegionalAdmin,
    /// One of Kring's bots.
    Bot,
}

impl Role {
    /// Only the client and the representative may change who is in the network or what is shared.
    pub fn steers_network(&self) -> bool {
        matches!(self, Self::Client | Self::Representative)
    }

    /// A short stable code for storage.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Representative => "representative",
            Self::Carer => "carer",
            Self::Professional { .. } => "professional",
            Self::Organisation => "organisation",
            Self::RegionalAdmin => "regional_admin",
            Self::Bot => "bot",
        }
    }

    /// Rebuilds a role from its stored parts; `None` for an unknown code.
    pub fn from_parts(
        code: &str,
        organisation: Option<&str>,
        discipline: Option<&str>,
    ) -> Option<Self> {
        Some(match code {
            "client" => Self::Client,
            "representative" => Self::Representative,
            "carer" => Self::Carer,
            "professional" => Self::Professional {
                organisation: organisation?.to_owned(),
                discipline: discipline?.to_owned(),
            },
            "organisation" => Self::Organisation,
            "regional_admin" => Self::RegionalAdmin,
            "bot" => Self::Bot,
            _ => return None,
        })
    }
}

/// A discipline a professional can have: the stored key, the Dutch and the English name, and
/// the words people type for it.
pub struct Discipline {
    pub key: &'static str,
    pub dutch: &'static str,
    pub english: &'static str,
    pub words: &'static [&'static str],
}

/// The disciplines of the care networks Kring serves. Adding one here is all it takes.
pub const DISCIPLINES: &[Discipline] = &[
    Discipline {
        key: "huisarts",
        dutch: "huisarts",
        english: "GP",
        words: &["huisarts", "gp"],
    },
    Discipline {
        key: "poh",
        dutch: "praktijkondersteuner",
        english: "practice nurse",
        words: &["poh", "praktijkondersteuner", "poh-ggz"],
    },
    Discipline {
        key: "fact",
        dutch: "FACT-team",
        english: "FACT team",
        words: &["fact", "fact-team", "factteam"],
    },
    Discipline {
        key: "wijkverpleging",
        dutch: "wijkverpleging",
        english: "district nurse",
        words: &[
            "wijkverpleging",
            "wijkverpleegkundige",
            "wijkzorg",
            "district-nurse",
        ],
    },
    Discipline {
        key: "buurtteam",
        dutch: "buurtteam",
        english: "neighbourhood team",
        words: &["buurtteam", "wijkteam", "sociaal-team", "social-team"],
    },
    Discipline {
        key: "psycholoog",
        dutch: "psycholoog",
        english: "psychologist",
        words: &["psycholoog", "psychologist"],
    },
    Discipline {
        key: "psychiater",
        dutch: "psychiater",
        english: "psychiatrist",
        words: &["psychiater", "psychiatrist"],
    },
    Discipline {
        key: "maatschappelijk-werker",
        dutch: "maatschappelijk werker",
        english: "social worker",
        words: &[
            "maatschappelijk-werker",
            "maatschappelijkwerker",
            "social-worker",
        ],
    },
    Discipline {
        key: "casemanager",
        dutch: "casemanager",
        english: "case manager",
        words: &["casemanager", "case-manager"],
    },
    Discipline {
        key: "begeleider",
        dutch: "begeleider",
        english: "support worker",
        words: &["begeleider", "ambulant-begeleider", "support-worker"],
    },
    Discipline {
        key: "verpleegkundige",
        dutch: "verpleegkundige",
        english: "nurse",
        words: &["verpleegkundige", "nurse"],
    },
    Discipline {
        key: "specialist",
        dutch: "medisch specialist",
        english: "medical specialist",
        words: &["specialist", "medisch-specialist"],
    },
    Discipline {
        key: "zorgverlener",
        dutch: "zorgverlener",
        english: "care professional",
        words: &["zorgverlener", "professional", "hulpverlener"],
    },
];

pub fn discipline(key: &str) -> Option<&'static Discipline> {
    DISCIPLINES.iter().find(|d| d.key == key)
}

/// Longest organisation name accepted; longer is a paste gone wrong.
pub const MAX_ORGANISATION_CHARS: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoleError {
    #[error("no role given")]
    Missing,
    #[error("unknown role")]
    Unknown { word: String },
    #[error("a professional needs an organisation")]
    MissingOrganisation,
    #[error("organisation name too long")]
    OrganisationTooLong,
}

/// Reads a role from the words after a Matrix id or in a link request:
/// `mantelzorger`, `vertegenwoordiger`, or a discipline followed by the organisation
/// (`huisarts Praktijk De Linde`). Clients, organisations and bots are never invited by role.
pub fn parse_role(words: &[&str]) -> Result<Role, RoleError> {
    let Some((first, rest)) = words.split_first() else {
        return Err(RoleError::Missing);
    };
    let word = first.to_lowercase();
    match word.as_str() {
        "mantelzorger" | "naaste" | "familie" | "carer" | "relative" | "family" => {
            return Ok(Role::Carer);
        }
        "vertegenwoordiger" | "representative" => return Ok(Role::Representative),
        _ => {}
    }
    let Some(found) = DISCIPLINES
        .iter()
        .find(|d| d.words.contains(&word.as_str()))
    else {
        return Err(RoleError::Unknown {
            word: first.chars().take(30).collect(),
        });
    };
    let organisation: String = rest.join(" ").chars().filter(|c| !c.is_control()).collect();
    let organisation = organisation.trim();
    if organisation.is_empty() {
        return Err(RoleError::MissingOrganisation);
    }
    if organisation.chars().count() > MAX_ORGANISATION_CHARS {
        return Err(RoleError::OrganisationTooLong);
    }
    Ok(Role::Professional {
        organisation: organisation.to_owned(),
        discipline: found.key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn professional() -> Role {
        Role::Professional {
            organisation: "Huisartsenpraktijk De Linde".into(),
            discipline: "huisarts".into(),
        }
    }

    #[test]
    fn only_client_and_representative_steer() {
        let steering: Vec<bool> = [
            Role::Client,
            Role::Representative,
            Role::Carer,
            professional(),
            Role::Organisation,
            Role::RegionalAdmin,
            Role::Bot,
        ]
        .iter()
        .map(Role::steers_network)
        .collect();
        assert_eq!(steering, [true, true, false, false, false, false, false]);
    }

    #[test]
    fn roles_are_read_from_the_words_people_type() {
        assert_eq!(parse_role(&["Mantelzorger"]), Ok(Role::Carer));
        assert_eq!(parse_role(&["naaste", "extra"]), Ok(Role::Carer));
        assert_eq!(parse_role(&["vertegenwoordiger"]), Ok(Role::Representative));
        assert_eq!(
            parse_role(&["huisarts", "Huisartsenpraktijk", "De", "Linde"]),
            Ok(professional())
        );
        assert_eq!(
            parse_role(&["FACT-team", "GGZ", "Noord"]),
            Ok(Role::Professional {
                organisation: "GGZ Noord".into(),
                discipline: "fact".into()
            })
        );
        assert_eq!(parse_role(&[]), Err(RoleError::Missing));
        assert_eq!(
            parse_role(&["huisarts"]),
            Err(RoleError::MissingOrganisation)
        );
        assert_eq!(
            parse_role(&["koning"]),
            Err(RoleError::Unknown {
                word: "koning".into()
            })
        );
        assert!(parse_role(&["client"]).is_err());
        let long = "x".repeat(MAX_ORGANISATION_CHARS + 1);
        assert_eq!(
            parse_role(&["huisarts", &long]),
            Err(RoleError::OrganisationTooLong)
        );
    }

    #[test]
    fn every_discipline_word_is_unique_and_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for discipline in DISCIPLINES {
            assert!(self::discipline(discipline.key).is_some());
            for word in discipline.words {
                assert_eq!(*word, word.to_lowercase());
                assert!(seen.insert(*word), "{word} is listed twice");
            }
        }
    }

    proptest! {
        #[test]
        fn stored_parts_give_back_the_same_role(
            index in 0..DISCIPLINES.len(),
            organisation in "[A-Za-z ]{1,40}",
        ) {
            let roles = [
                Role::Client,
                Role::Representative,
                Role::Carer,
                Role::Professional {
                    organisation: organisation.clone(),
                    discipline: DISCIPLINES[index].key.to_owned(),
                },
                Role::Bot,
            ];
            for role in roles {
                let (organisation, discipline) = match &role {
                    Role::Professional { organisation, discipline } => {
                        (Some(organisation.as_str()), Some(discipline.as_str()))
                    }
                    _ => (None, None),
                };
                prop_assert_eq!(Role::from_parts(role.code(), organisation, discipline), Some(role.clone()));
            }
        }
    }
}
