use serde::{Deserialize, Serialize};

/// The part someone plays in a care network. See DESIGN.md, "Roles and rules".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The person the network is for; they steer it.
    Client,
    /// Acts for the client, appointed by the client.
    Representative,
    /// Family carer or someone close (mantelzorger, naaste).
    Carer,
    /// A professional of an organisation, with their discipline (e.g. "huisarts").
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_client_and_representative_steer() {
        let professional = Role::Professional {
            organisation: "Huisartsenpraktijk".into(),
            discipline: "huisarts".into(),
        };
        let steering: Vec<bool> = [
            Role::Client,
            Role::Representative,
            Role::Carer,
            professional,
            Role::Organisation,
            Role::RegionalAdmin,
            Role::Bot,
        ]
        .iter()
        .map(Role::steers_network)
        .collect();
        assert_eq!(steering, [true, true, false, false, false, false, false]);
    }
}
