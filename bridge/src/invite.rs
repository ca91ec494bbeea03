//! The invite-link page: someone without an account opens the link the client sent, chooses a
//! user name and password, and gets an account made through Synapse's registration-token flow
//! (one token per link). The bot then invites them into the network with the link's role.
//!
//! The secret in the link is the only key: the store keeps just its hash. Nothing is made
//! until the form is sent complete; a person who closes the page half-way can use the link later.

use crate::BridgeState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kring_core::messages::{date, escape_html, role_label};
use kring_core::network::{InviteLink, LinkState, Millis, invite_secret_hash};
use kring_core::{Language, validate_username};
use kring_homeserver::{Admin, AdminError};
use kring_store::LinkLookup;
use serde::Deserialize;
use tracing::warn;

/// What the bridge needs to make accounts and explain where to go next.
#[derive(Debug, Clone)]
pub struct Onboarding {
    /// Synapse, as the bridge reaches it.
    pub admin: Admin,
    pub admin_token: String,
    /// The homeserver address people type into Element.
    pub homeserver_public_url: String,
    /// The bot that invites people into networks.
    pub bot_user_id: String,
    /// Element Web served beside Kring, if any.
    pub element_web_url: Option<String>,
    /// The bot's invite-link key: registration tokens are derived from it, never stored.
    pub invite_link_key: Vec<u8>,
}

impl Onboarding {
    /// The link's Synapse registration token (derived, never stored).
    fn registration_token(&self, network_id: &str, link_id: &str, expires_at: Millis) -> String {
        kring_core::network::registration_token(
            &self.invite_link_key,
            network_id,
            link_id,
            expires_at,
        )
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 200;

#[derive(Debug, Deserialize, Default)]
pub struct LanguageQuery {
    lang: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    lang: Option<String>,
}

fn language(code: Option<&str>) -> Language {
    code.and_then(Language::from_code).unwrap_or_default()
}

fn now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unusable {
    Unknown,
    Used,
    Revoked,
    Expired,
}

async fn find_link(
    state: &BridgeState,
    secret: &str,
) -> Result<Result<LinkLookup, Unusable>, Response> {
    // Secrets are 32 characters from a small alphabet; anything else is not worth a query.
    if secret.len() > 64 || !secret.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(Err(Unusable::Unknown));
    }
    let found = match state
        .store
        .invite_link_by_secret_hash(&invite_secret_hash(secret))
        .await
    {
        Ok(found) => found,
        Err(error) => {
            warn!(%error, "invite page: store unavailable");
            return Err(unavailable(Language::Dutch));
        }
    };
    Ok(match found {
        None => Err(Unusable::Unknown),
        Some(found) => match found.link.state {
            LinkState::Used => Err(Unusable::Used),
            LinkState::Revoked => Err(Unusable::Revoked),
            LinkState::Open if !found.link.usable_at(now()) => Err(Unusable::Expired),
            LinkState::Open => Ok(found),
        },
    })
}

pub async fn show(
    State(state): State<BridgeState>,
    Path(secret): Path<String>,
    Query(query): Query<LanguageQuery>,
) -> Response {
    let language = language(query.lang.as_deref());
    match find_link(&state, &secret).await {
        Err(response) => response,
        Ok(Err(unusable)) => unusable_page(language, unusable),
        Ok(Ok(found)) => form_page(language, &secret, &found.link, "", None, StatusCode::OK),
    }
}

pub async fn submit(
    State(state): State<BridgeState>,
    Path(secret): Path<String>,
    Form(form): Form<AccountForm>,
) -> Response {
    let language = language(form.lang.as_deref());
    let Some(onboarding) = state.onboarding.clone() else {
        return unavailable(language);
    };
    let found = match find_link(&state, &secret).await {
        Err(response) => return response,
        Ok(Err(unusable)) => return unusable_page(language, unusable),
        Ok(Ok(found)) => found,
    };
    let link = &found.link;
    let username = form.username.trim().to_lowercase();
    let refuse = |problem: Problem| {
        form_page(
            language,
            &secret,
            link,
            &username,
            Some(problem),
            StatusCode::BAD_REQUEST,
        )
    };
    if validate_username(&username).is_err() {
        return refuse(Problem::BadUsername);
    }
    if !kring_core::may_choose_username(&username) {
        return refuse(Problem::ReservedUsername);
    }
    let password_chars = form.password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&password_chars) {
        return refuse(Problem::PasswordLength);
    }
    if form.password != form.password_again {
        return refuse(Problem::PasswordsDiffer);
    }
    let room_id = match state.store.network_room(&found.network_id).await {
        Ok(Some(room_id)) => room_id,
        Ok(None) => return unavailable(language),
        Err(error) => {
            warn!(%error, "invite page: store unavailable");
            return unavailable(language);
        }
    };
    let token = onboarding.registration_token(&found.network_id, &link.id, link.expires_at);
    let taken = || {
        form_page(
            language,
            &secret,
            link,
            &username,
            Some(Problem::UsernameTaken),
            StatusCode::CONFLICT,
        )
    };
    match onboarding.admin.username_available(&username).await {
        Ok(true) => {}
        Ok(false) => {
            // A crash after registering but before recording leaves exactly this: the name
            // this link was claimed for exists. Finish what was started, but only when this
            // link's own token was spent on it: the name may also have been taken since by
            // someone else, whose account must never get this link's role.
            // A store or homeserver that cannot answer says "try later", never "name taken":
            // that would send the person off to pick another name for nothing.
            match was_made_through_this_link(&state, &onboarding, link, &username, &token).await {
                Ok(true) => {
                    return finish(
                        &state,
                        &onboarding,
                        language,
                        link,
                        &username,
                        room_id.as_str(),
                    )
                    .await;
                }
                Ok(false) => return taken(),
                Err(why) => {
                    warn!(why, "invite page: could not tell whose the name is");
                    return unavailable(language);
                }
            }
        }
        Err(AdminError::InvalidUsername(_)) => return refuse(Problem::BadUsername),
        Err(error) => {
            warn!(%error, "invite page: homeserver unavailable");
            return unavailable(language);
        }
    }
    // Claimed before anything is made, so that of two submits at once only one goes on.
    match state.store.claim_invite_link(&link.id, &username).await {
        Ok(true) => {}
        Ok(false) => return unusable_page(language, Unusable::Used),
        Err(error) => {
            warn!(%error, "invite page: store unavailable");
            return unavailable(language);
        }
    }
    // Marked first, so that a token Synapse made is always one Kring deletes again.
    if let Err(error) = state.store.registration_token_was_made(&link.id).await {
        warn!(%error, "invite page: store unavailable");
        return unavailable(language);
    }
    if let Err(error) = onboarding
        .admin
        .create_named_registration_token(&onboarding.admin_token, &token, link.expires_at)
        .await
    {
        warn!(%error, "invite page: could not make a registration token");
        return unavailable(language);
    }
    match onboarding
        .admin
        .register_with_token(&username, &form.password, &token)
        .await
    {
        Ok(_) => {
            finish(
                &state,
                &onboarding,
                language,
                link,
                &username,
                room_id.as_str(),
            )
            .await
        }
        Err(AdminError::UserExists(_)) => {
            release(&state, link, &username).await;
            taken()
        }
        Err(AdminError::InvalidUsername(_)) => {
            release(&state, link, &username).await;
            refuse(Problem::BadUsername)
        }
        Err(AdminError::TokenRejected) => {
            release(&state, link, &username).await;
            unusable_page(language, Unusable::Used)
        }
        Err(error) => {
            // Nothing was made: the link is free again for any name.
            release(&state, link, &username).await;
            warn!(%error, "invite page: registration failed");
            unavailable(language)
        }
    }
}

/// Whether the existing account `username` was made with this link's own token (a crash after
/// registering, before recording): only then may the link finish for it.
async fn was_made_through_this_link(
    state: &BridgeState,
    onboarding: &Onboarding,
    link: &InviteLink,
    username: &str,
    token: &str,
) -> Result<bool, &'static str> {
    let claimed = state
        .store
        .claimed_username(&link.id)
        .await
        .map_err(|_| "store unavailable")?;
    if claimed.as_deref() != Some(username) {
        return Ok(false);
    }
    if !state
        .store
        .registration_token_made(&link.id)
        .await
        .map_err(|_| "store unavailable")?
    {
        return Ok(false);
    }
    onboarding
        .admin
        .registration_token_completed(&onboarding.admin_token, token)
        .await
        .map_err(|_| "homeserver unavailable")
}

/// The name claimed could not be made; someone may try the link with another.
async fn release(state: &BridgeState, link: &InviteLink, username: &str) {
    if let Err(error) = state.store.release_invite_link(&link.id, username).await {
        warn!(%error, "invite page: could not free a claimed link");
    }
}

/// Deletes from Synapse the registration token of every link that can no longer be used, and
/// then forgets it: a token left valid would let anyone who learns it make an account.
pub async fn delete_spent_tokens(state: &BridgeState) {
    let Some(onboarding) = &state.onboarding else {
        return;
    };
    let spent = match state.store.spent_registration_tokens(now()).await {
        Ok(spent) => spent,
        Err(error) => {
            warn!(%error, "registration tokens: store unavailable");
            return;
        }
    };
    for (network_id, link_id, expires_at, stored) in spent {
        // Before tokens were derived, the column held the token itself.
        let token = if stored == "made" {
            onboarding.registration_token(&network_id, &link_id, expires_at)
        } else {
            stored
        };
        match onboarding
            .admin
            .delete_registration_token(&onboarding.admin_token, &token)
            .await
        {
            Ok(()) => {
                if let Err(error) = state.store.forget_registration_token(&link_id).await {
                    warn!(%error, "registration tokens: store unavailable");
                }
            }
            // Tried again on the next round; raised in the log meanwhile.
            Err(error) => warn!(%error, "could not delete a spent registration token"),
        }
    }
}

async fn finish(
    state: &BridgeState,
    onboarding: &Onboarding,
    language: Language,
    link: &InviteLink,
    username: &str,
    room_id: &str,
) -> Response {
    let server = onboarding
        .bot_user_id
        .split_once(':')
        .map(|(_, server)| server)
        .unwrap_or_default();
    let user_id = format!("@{username}:{server}");
    match state
        .store
        .use_invite_link(&link.id, &user_id, &onboarding.bot_user_id, room_id)
        .await
    {
        Ok(true) => {
            delete_spent_tokens(state).await;
            done_page(language, &user_id, onboarding)
        }
        // Revoked (or used) while the account was being made: nobody will invite them, and the
        // page says the link no longer works rather than that all is ready.
        Ok(false) => {
            warn!("invite page: the link closed while its account was being made");
            delete_spent_tokens(state).await;
            unusable_page(language, Unusable::Revoked)
        }
        Err(error) => {
            warn!(%error, "invite page: could not record the used link");
            unavailable(language)
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Problem {
    BadUsername,
    ReservedUsername,
    UsernameTaken,
    PasswordLength,
    PasswordsDiffer,
}

fn problem_text(language: Language, problem: Problem) -> &'static str {
    match (language, problem) {
        (Language::Dutch, Problem::BadUsername) => {
            "Deze gebruikersnaam kan niet. Gebruik alleen kleine letters, cijfers en . _ - (zonder spaties)."
        }
        (Language::English, Problem::BadUsername) => {
            "This user name is not possible. Use only lower-case letters, digits and . _ - (no spaces)."
        }
        (Language::Dutch, Problem::ReservedUsername) => {
            "Deze gebruikersnaam is gereserveerd, zodat niemand zich voor Kring of de beheerder kan uitgeven. Kies een andere."
        }
        (Language::English, Problem::ReservedUsername) => {
            "This user name is reserved, so that nobody can pass for Kring or the administrator. Please choose another."
        }
        (Language::Dutch, Problem::UsernameTaken) => {
            "Deze gebruikersnaam is al bezet. Kies een andere."
        }
        (Language::English, Problem::UsernameTaken) => {
            "This user name is already taken. Please choose another."
        }
        (Language::Dutch, Problem::PasswordLength) => {
            "Het wachtwoord moet minstens 10 tekens lang zijn."
        }
        (Language::English, Problem::PasswordLength) => {
            "The password must be at least 10 characters long."
        }
        (Language::Dutch, Problem::PasswordsDiffer) => {
            "De twee wachtwoorden zijn niet hetzelfde. Typ ze nog een keer."
        }
        (Language::English, Problem::PasswordsDiffer) => {
            "The two passwords are not the same. Please type them again."
        }
    }
}

/// One page layout for every state; texts are escaped here and nowhere else.
fn page(
    language: Language,
    status: StatusCode,
    title: &str,
    body: &str,
    other_language_href: Option<&str>,
) -> Response {
    let switch = other_language_href
        .map(|href| {
            let label = match language {
                Language::Dutch => "English",
                Language::English => "Nederlands",
            };
            format!(
                "<p class=\"switch\"><a href=\"{}\">{label}</a></p>",
                escape_html(href)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title} – Kring</title><style>{STYLE}</style></head>\
         <body><main>{switch}<h1>{title}</h1>{body}</main></body></html>",
        lang = language.code(),
        title = escape_html(title),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The link's secret is in the address: never cache the page or pass it on.
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
            ),
        ],
        html,
    )
        .into_response()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f8;color:#17191c;margin:0}\
main{max-width:34rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:12px;line-height:1.5}\
h1{font-size:1.5rem}label{display:block;margin-top:1rem;font-weight:600}\
input{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.5rem;margin-top:.25rem;border:1px solid #8d97a5;border-radius:6px}\
button{margin-top:1.5rem;font-size:1.1rem;padding:.6rem 1.2rem;background:#0b7a4b;color:#fff;border:0;border-radius:6px}\
.problem{background:#fde8e8;border-left:4px solid #c62828;padding:.5rem 1rem}.hint{color:#4b5563;font-size:.95rem}\
.switch{text-align:right}code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}";

fn form_page(
    language: Language,
    secret: &str,
    link: &InviteLink,
    username: &str,
    problem: Option<Problem>,
    status: StatusCode,
) -> Response {
    let role = escape_html(&role_label(language, &link.role));
    let until = escape_html(&date(language, link.expires_at));
    let problem = problem
        .map(|p| {
            format!(
                "<p class=\"problem\" role=\"alert\">{}</p>",
                escape_html(problem_text(language, p))
            )
        })
        .unwrap_or_default();
    let username = escape_html(username);
    let action = escape_html(secret);
    let (title, body) = match language {
        Language::Dutch => (
            "Welkom bij Kring",
            format!(
                "<p>U bent uitgenodigd voor een netwerk in Kring, als <strong>{role}</strong>.</p>\
             <p>Kring is een beveiligde chat. Daarin praat iemand die zorg krijgt samen met familie, vrienden en zorgverleners. \
             Alles is versleuteld. De persoon om wie het gaat, bepaalt wie erbij is.</p>\
             <p>Maak hieronder uw account. Deze link werkt één keer, tot {until}.</p>{problem}\
             <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"lang\" value=\"nl\">\
             <label for=\"username\">Gebruikersnaam</label><input id=\"username\" name=\"username\" value=\"{username}\" autocomplete=\"username\" autocapitalize=\"none\" required>\
             <p class=\"hint\">Kleine letters, cijfers en . _ -, zonder spaties. Bijvoorbeeld: jan.devries</p>\
             <label for=\"password\">Wachtwoord</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"{MIN_PASSWORD_CHARS}\" required>\
             <p class=\"hint\">Minstens {MIN_PASSWORD_CHARS} tekens.</p>\
             <label for=\"password_again\">Wachtwoord nog een keer</label><input id=\"password_again\" name=\"password_again\" type=\"password\" autocomplete=\"new-password\" required>\
             <button type=\"submit\">Account maken</button></form>"
            ),
        ),
        Language::English => (
            "Welcome to Kring",
            format!(
                "<p>You have been invited to a network in Kring, as <strong>{role}</strong>.</p>\
             <p>Kring is a secure chat. In it, someone who receives care talks with family, friends and care professionals. \
             Everything is encrypted. The person it is about decides who takes part.</p>\
             <p>Make your account below. This link works once, until {until}.</p>{problem}\
             <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"lang\" value=\"en\">\
             <label for=\"username\">User name</label><input id=\"username\" name=\"username\" value=\"{username}\" autocomplete=\"username\" autocapitalize=\"none\" required>\
             <p class=\"hint\">Lower-case letters, digits and . _ -, no spaces. For example: jan.devries</p>\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"{MIN_PASSWORD_CHARS}\" required>\
             <p class=\"hint\">At least {MIN_PASSWORD_CHARS} characters.</p>\
             <label for=\"password_again\">Password again</label><input id=\"password_again\" name=\"password_again\" type=\"password\" autocomplete=\"new-password\" required>\
             <button type=\"submit\">Make account</button></form>"
            ),
        ),
    };
    let other = match language {
        Language::Dutch => format!("{secret}?lang=en"),
        Language::English => format!("{secret}?lang=nl"),
    };
    page(language, status, title, &body, Some(&other))
}

fn done_page(language: Language, user_id: &str, onboarding: &Onboarding) -> Response {
    let user = escape_html(user_id);
    let server = escape_html(&onboarding.homeserver_public_url);
    let browser = onboarding.element_web_url.as_deref().map(escape_html);
    let (title, body) = match language {
        Language::Dutch => ("Uw account is klaar", format!(
            "<p>Uw account: <code>{user}</code>. U bent uitgenodigd voor het gesprek <strong>Kring</strong>.</p>\
             <h2>Op uw telefoon</h2><ol>\
             <li>Installeer de app <strong>Element X</strong> (of Element) uit de App Store of Google Play.</li>\
             <li>Kies bij het inloggen <strong>een andere server</strong> en typ dit adres: <code>{server}</code></li>\
             <li>Log in met uw gebruikersnaam en wachtwoord.</li>\
             <li>Tik op de uitnodiging voor <strong>Kring</strong> en kies <strong>Accepteren</strong>.</li></ol>{}",
            browser.map(|url| format!("<h2>Op de computer</h2><p><a href=\"{url}\">Open Kring in uw browser</a>. Log in met dezelfde gegevens en accepteer de uitnodiging.</p>")).unwrap_or_default()
        )),
        Language::English => ("Your account is ready", format!(
            "<p>Your account: <code>{user}</code>. You have been invited to the chat <strong>Kring</strong>.</p>\
             <h2>On your phone</h2><ol>\
             <li>Install the app <strong>Element X</strong> (or Element) from the App Store or Google Play.</li>\
             <li>When logging in, choose <strong>another server</strong> and type this address: <code>{server}</code></li>\
             <li>Log in with your user name and password.</li>\
             <li>Tap the invitation to <strong>Kring</strong> and choose <strong>Accept</strong>.</li></ol>{}",
            browser.map(|url| format!("<h2>On a computer</h2><p><a href=\"{url}\">Open Kring in your browser</a>. Log in with the same details and accept the invitation.</p>")).unwrap_or_default()
        )),
    };
    page(language, StatusCode::CREATED, title, &body, None)
}

fn unusable_page(language: Language, unusable: Unusable) -> Response {
    let (status, title, text) = match (language, unusable) {
        (Language::Dutch, Unusable::Unknown) => (
            StatusCode::NOT_FOUND,
            "Deze link klopt niet",
            "Deze uitnodigingslink bestaat niet. Kijk of u de hele link hebt gekopieerd, of vraag de persoon die u uitnodigde om een nieuwe link.",
        ),
        (Language::English, Unusable::Unknown) => (
            StatusCode::NOT_FOUND,
            "This link is not right",
            "This invite link does not exist. Check that you copied the whole link, or ask the person who invited you for a new one.",
        ),
        (Language::Dutch, Unusable::Used) => (
            StatusCode::GONE,
            "Deze link is al gebruikt",
            "Met deze link is al een account gemaakt. Een link werkt maar één keer. Heeft u het account zelf gemaakt? Log dan in met de app Element. Anders: vraag om een nieuwe link.",
        ),
        (Language::English, Unusable::Used) => (
            StatusCode::GONE,
            "This link has been used",
            "An account has already been made with this link. A link works only once. Did you make the account yourself? Then log in with the Element app. Otherwise, ask for a new link.",
        ),
        (Language::Dutch, Unusable::Revoked) => (
            StatusCode::GONE,
            "Deze link is ingetrokken",
            "Deze uitnodigingslink werkt niet meer. Vraag de persoon die u uitnodigde om een nieuwe link.",
        ),
        (Language::English, Unusable::Revoked) => (
            StatusCode::GONE,
            "This link has been revoked",
            "This invite link no longer works. Ask the person who invited you for a new link.",
        ),
        (Language::Dutch, Unusable::Expired) => (
            StatusCode::GONE,
            "Deze link is verlopen",
            "Deze uitnodigingslink is te oud. Vraag de persoon die u uitnodigde om een nieuwe link.",
        ),
        (Language::English, Unusable::Expired) => (
            StatusCode::GONE,
            "This link has expired",
            "This invite link is too old. Ask the person who invited you for a new link.",
        ),
    };
    page(
        language,
        status,
        title,
        &format!("<p>{}</p>", escape_html(text)),
        None,
    )
}

fn unavailable(language: Language) -> Response {
    let (title, text) = match language {
        Language::Dutch => (
            "Even niet beschikbaar",
            "Kring kan uw account nu niet maken. Er is niets opgeslagen. Probeer het over een paar minuten opnieuw met dezelfde link.",
        ),
        Language::English => (
            "Temporarily unavailable",
            "Kring cannot make your account right now. Nothing has been stored. Please try again in a few minutes with the same link.",
        ),
    };
    page(
        language,
        StatusCode::SERVICE_UNAVAILABLE,
        title,
        &format!("<p>{}</p>", escape_html(text)),
        None,
    )
}
