//! Element Web, as people use Kring: the team's build served by Kring's own code for a test
//! Synapse, and a person driving it in headless Chromium (selectors as found in
//! `../shared/clients/element-web/README.md`: roles, labels and Element's class names, because a
//! production build has no test ids).

use crate::browser::Browser;
use crate::synapse::{TestAccount, TestSynapse};
use anyhow::{Context, Result, bail};
use fantoccini::Locator;
use fantoccini::actions::InputSource;
use fantoccini::elements::Element;
use kring_bridge::element_web::{self, ElementWebSettings};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Element Web served on a free loopback port for one test homeserver.
pub struct ElementWeb {
    pub url: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for ElementWeb {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ElementWeb {
    /// Serves the bundle named by `KRING_ELEMENT_WEB_BUNDLE` (set for this repository in
    /// `.cargo/config.toml`), unpacked once per machine into the temporary directory.
    pub async fn serve(synapse: &TestSynapse) -> Result<Self> {
        Self::serve_for(&synapse.base_url(), synapse.server_name()).await
    }

    /// Serves Element Web pointed at `homeserver_url`, reachable or not.
    pub async fn serve_for(homeserver_url: &str, server_name: &str) -> Result<Self> {
        let bundle = PathBuf::from(std::env::var_os("KRING_ELEMENT_WEB_BUNDLE").context(
            "KRING_ELEMENT_WEB_BUNDLE names no Element Web bundle (see README, Element Web in the box)",
        )?);
        let unpack_dir = std::env::temp_dir().join("kring-element-web");
        let webapp =
            tokio::task::spawn_blocking(move || element_web::prepare(&bundle, &unpack_dir))
                .await??;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let settings = ElementWebSettings {
            homeserver_url: homeserver_url.to_owned(),
            server_name: server_name.to_owned(),
        };
        let task = tokio::spawn(async move {
            element_web::serve(listener, webapp, &settings, std::future::pending()).await
        });
        Ok(Self { url, task })
    }
}

/// One person in Element Web, in their own browser.
pub struct ElementPerson {
    pub browser: Browser,
}

/// How long Element may take for anything a person waits for.
const ELEMENT_PATIENCE: Duration = Duration::from_secs(60);

impl ElementPerson {
    /// Opens Element Web in a new browser and signs in, getting past the first-login questions.
    pub async fn sign_in(element: &ElementWeb, account: &TestAccount, name: &str) -> Result<Self> {
        let browser = Browser::start(name).await?;
        browser
            .client
            .goto(&format!("{}/#/login", element.url))
            .await?;
        Self::sign_in_on_this_page(browser, account).await
    }

    /// Signs in on the Element login form this browser shows (for instance after following a
    /// link to Element), getting past the first-login questions.
    pub async fn sign_in_on_this_page(mut browser: Browser, account: &TestAccount) -> Result<Self> {
        let username = wait_for(&browser, "the username field", || {
            browser.client.find(Locator::XPath(
                "//input[@label='Username' or @placeholder='Username' or @id='mx_LoginForm_username']",
            ))
        })
        .await?;
        username.send_keys(&account.username).await?;
        browser
            .client
            .find(Locator::Css("input[placeholder='Password']"))
            .await?
            .send_keys(&account.password)
            .await?;
        browser.screenshot("login").await?;
        // "Sign in" is the form's submit input.
        browser
            .client
            .find(Locator::Css("form input[type='submit']"))
            .await?
            .click()
            .await?;
        let person = Self { browser };
        // First login of an account with cross-signing: Element asks to verify this device.
        let started = Instant::now();
        loop {
            if person
                .click_button_if_shown("Skip verification for now")
                .await?
                || person.click_button_if_shown("I'll verify later").await?
            {
                continue;
            }
            if person
                .browser
                .client
                .find(Locator::Css(".mx_RoomList, .mx_LeftPanel"))
                .await
                .is_ok()
                && !person.any_button_shown("Skip verification for now").await
            {
                break;
            }
            if started.elapsed() > ELEMENT_PATIENCE {
                bail!("Element never got past signing in");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        person.dismiss_toasts().await?;
        Ok(person)
    }

    /// Closes the toasts Element shows after a login (its own or another device's), as a
    /// person would before getting on with things.
    pub async fn dismiss_toasts(&self) -> Result<()> {
        for toast in ["Dismiss", "Later", "OK", "Yes, it was me", "Not now"] {
            self.click_button_if_shown(toast).await?;
        }
        Ok(())
    }

    /// Clicks `target` as a person would: a toast that slid over it is closed first.
    async fn click(&self, target: &Element) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match target.click().await {
                Ok(()) => return Ok(()),
                Err(error) if attempt < 4 && error.to_string().contains("intercepted") => {
                    self.dismiss_toasts().await?;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Opens the direct chat with `user_id` the way Kring hands it to a client: one link,
    /// which starts the chat the first time.
    pub async fn open_direct_chat(&self, element: &ElementWeb, user_id: &str) -> Result<()> {
        self.browser
            .client
            .goto(&element_web::direct_chat_url(&element.url, user_id))
            .await?;
        Ok(())
    }

    /// The newest poll in the open room whose question contains `question`, once it shows.
    pub async fn wait_for_poll(&self, question: &str) -> Result<Element> {
        let xpath = format!(
            "(//*[{}][contains(normalize-space(), {})])[last()]",
            has_class("mx_MPollBody"),
            xpath_literal(question)
        );
        wait_for(
            &self.browser,
            &format!("a poll asking {question:?}"),
            || self.browser.client.find(Locator::XPath(&xpath)),
        )
        .await
    }

    /// Taps the answer showing `answer` in the newest poll that offers it.
    pub async fn vote(&self, answer: &str) -> Result<()> {
        let xpath = format!(
            "(//*[{}][contains(normalize-space(), {})])[last()]//*[{}]",
            has_class("mx_PollOption"),
            xpath_literal(answer),
            has_class("mx_StyledRadioButton")
        );
        self.tap_answer(&xpath, &format!("the poll answer {answer:?}"))
            .await
    }

    /// Waits for the poll answer at `xpath`, scrolls it into view and taps it.
    async fn tap_answer(&self, xpath: &str, what: &str) -> Result<()> {
        let option = wait_for(&self.browser, what, || {
            self.browser.client.find(Locator::XPath(xpath))
        })
        .await?;
        self.browser
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&option)?],
            )
            .await?;
        self.click(&option).await?;
        Ok(())
    }

    /// Taps the answer showing `answer` in the newest poll whose question contains `question`
    /// (when several polls offer the same answers, as a meeting's moments do).
    pub async fn vote_in(&self, question: &str, answer: &str) -> Result<()> {
        let xpath = format!(
            "(//*[{}][contains(normalize-space(), {})])[last()]//*[{}][contains(normalize-space(), {})]//*[{}]",
            has_class("mx_MPollBody"),
            xpath_literal(question),
            has_class("mx_PollOption"),
            xpath_literal(answer),
            has_class("mx_StyledRadioButton")
        );
        self.tap_answer(&xpath, &format!("the answer {answer:?} to {question:?}"))
            .await
    }

    async fn any_button_shown(&self, label: &str) -> bool {
        self.browser
            .client
            .find(Locator::XPath(&button(label)))
            .await
            .is_ok()
    }

    /// Clicks the button labelled `label` if there is one now.
    pub async fn click_button_if_shown(&self, label: &str) -> Result<bool> {
        match self
            .browser
            .client
            .find(Locator::XPath(&button(label)))
            .await
        {
            Ok(found) => {
                found.click().await?;
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// Opens the room (or invite) named `name` in the room list.
    pub async fn open_room(&self, name: &str) -> Result<()> {
        let xpath = format!(
            "//*[{}][.//*[normalize-space()={}]]",
            has_class("mx_RoomTile"),
            xpath_literal(name)
        );
        let tile = wait_for(&self.browser, &format!("the room {name}"), || {
            self.browser.client.find(Locator::XPath(&xpath))
        })
        .await?;
        self.click(&tile).await?;
        Ok(())
    }

    /// Accepts the invite of the open room.
    pub async fn accept_invite(&self) -> Result<()> {
        let xpath = button("Accept");
        let accept = wait_for(&self.browser, "the Accept button", || {
            self.browser.client.find(Locator::XPath(&xpath))
        })
        .await?;
        self.click(&accept).await?;
        Ok(())
    }

    /// Types `text` into the open room's composer and sends it with Enter.
    pub async fn send(&self, text: &str) -> Result<()> {
        // Element may draw the room again just after it opens: a composer found a moment
        // before is then gone ("stale"), and a fresh one is looked for. Only the click is
        // tried again, never the typing, so nothing is sent twice.
        let mut attempts = 0;
        let composer = loop {
            let composer = wait_for(&self.browser, "the composer", || {
                self.browser
                    .client
                    .find(Locator::Css(".mx_BasicMessageComposer_input"))
            })
            .await?;
            match composer.click().await {
                Ok(()) => break composer,
                Err(error) if attempts < 5 && error.to_string().contains("stale element") => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(error.into()),
            }
        };
        composer.send_keys(&format!("{text}\u{E007}")).await?;
        Ok(())
    }

    /// The event tile in the open room whose text contains `text`, once it shows.
    pub async fn wait_for_message(&self, text: &str) -> Result<Element> {
        self.wait_for_message_with(&[text]).await
    }

    /// The newest event tile in the open room whose text contains every one of `parts` (a
    /// mention pill shows the person's avatar letter before the name, so a name is a part of
    /// its own).
    pub async fn wait_for_message_with(&self, parts: &[&str]) -> Result<Element> {
        let contains: Vec<String> = parts
            .iter()
            .map(|part| format!("contains(normalize-space(), {})", xpath_literal(part)))
            .collect();
        let xpath = format!(
            "(//*[{}][.//*[{}][{}]])[last()]",
            has_class("mx_EventTile"),
            has_class("mx_EventTile_body"),
            contains.join(" and ")
        );
        wait_for(&self.browser, &format!("a message with {parts:?}"), || {
            self.browser.client.find(Locator::XPath(&xpath))
        })
        .await
    }

    /// Reacts to the message showing `text` through Element's reaction picker: hover, "React",
    /// search, click the emoji. Returns the moment of the click. A person whose pointer slips
    /// (the timeline moved under it) simply tries again; so does this.
    pub async fn react(&self, text: &str, emoji: &str, search: &str) -> Result<Instant> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_react(text, emoji, search).await {
                Ok(clicked) => return Ok(clicked),
                Err(error) if attempt < 4 => {
                    tracing::debug!(%error, "reacting again");
                    // Escape closes a picker left open.
                    let _ = self
                        .browser
                        .client
                        .find(Locator::Css("body"))
                        .await?
                        .send_keys("\u{E00C}")
                        .await;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn try_react(&self, text: &str, emoji: &str, search: &str) -> Result<Instant> {
        let tile = self.wait_for_message(text).await?;
        self.browser
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&tile)?],
            )
            .await?;
        let actions = self.browser.client.clone();
        actions
            .perform_actions(fantoccini::actions::MouseActions::new("mouse".into()).then(
                fantoccini::actions::PointerAction::MoveToElement {
                    element: tile.clone(),
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                },
            ))
            .await?;
        let react = wait_for(&self.browser, "the React button", || {
            tile.find(Locator::Css("[aria-label='React']"))
        })
        .await?;
        react.click().await?;
        let search_field = wait_for(&self.browser, "the emoji search", || {
            self.browser
                .client
                .find(Locator::Css(".mx_EmojiPicker input"))
        })
        .await?;
        search_field.send_keys(search).await?;
        // Element shows (and sends) emoji with the variation selector U+FE0F.
        let xpath = format!(
            "//*[{}][normalize-space()={} or normalize-space()={}]",
            has_class("mx_EmojiPicker_item"),
            xpath_literal(emoji),
            xpath_literal(&format!("{emoji}\u{fe0f}"))
        );
        let item = wait_for(&self.browser, &format!("the emoji {emoji}"), || {
            self.browser.client.find(Locator::XPath(&xpath))
        })
        .await?;
        let clicked = Instant::now();
        item.click().await?;
        Ok(clicked)
    }

    /// Element's warnings on the bot's messages in the open room: shields and "unable to
    /// decrypt" bodies. Bots send notices, so a bot message is a tile with a notice body.
    pub async fn warnings_on_bot_messages(&self) -> Result<Vec<String>> {
        self.warnings_on(&format!("[.//*[{}]]", has_class("mx_MNoticeBody")))
            .await
    }

    /// Element's warnings on any message in the open room.
    pub async fn warnings(&self) -> Result<Vec<String>> {
        self.warnings_on("").await
    }

    async fn warnings_on(&self, tiles: &str) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for class in [
            "mx_EventTile_e2eIcon_warning",
            "mx_EventTile_e2eIcon_normal",
            "mx_EventTile_e2eIcon_decryption_failure",
        ] {
            let xpath = format!(
                "//*[{}]{tiles}[.//*[{}]]",
                has_class("mx_EventTile"),
                has_class(class)
            );
            for tile in self.browser.client.find_all(Locator::XPath(&xpath)).await? {
                let text: String = tile.text().await?.chars().take(80).collect();
                found.push(format!("{class}: {text}"));
            }
        }
        // A message that could not be decrypted has no notice body to recognise it by.
        let undecryptable = format!("//*[{}]", has_class("mx_DecryptionFailureBody"));
        for body in self
            .browser
            .client
            .find_all(Locator::XPath(&undecryptable))
            .await?
        {
            found.push(format!("undecryptable: {}", body.text().await?));
        }
        Ok(found)
    }

    /// The names in the open room's member list (opened from the room header, as a person
    /// would), once it shows.
    pub async fn member_list(&self) -> Result<Vec<String>> {
        let names = format!("//*[{}]", has_class("mx_EntityTile_name"));
        let list_shown = || async {
            self.browser
                .client
                .find(Locator::XPath(&names))
                .await
                .is_ok()
        };
        if !list_shown().await {
            let facepile = format!(
                "//*[{}]//*[{}]",
                has_class("mx_RoomHeader"),
                has_class("mx_FacePile")
            );
            // A click Element takes before its header is ready only shows the tooltip: a
            // person clicks again when nothing opens.
            let started = Instant::now();
            while !list_shown().await && started.elapsed() < ELEMENT_PATIENCE {
                let faces = wait_for(&self.browser, "the member faces in the room header", || {
                    self.browser.client.find(Locator::XPath(&facepile))
                })
                .await?;
                self.click(&faces).await?;
                let clicked = Instant::now();
                while !list_shown().await && clicked.elapsed() < Duration::from_secs(5) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        wait_for(&self.browser, "the member list", || {
            self.browser.client.find(Locator::XPath(&names))
        })
        .await?;
        let mut shown = Vec::new();
        for name in self.browser.client.find_all(Locator::XPath(&names)).await? {
            shown.push(name.text().await?);
        }
        Ok(shown)
    }
}

/// A button (or anything acting as one) by its text or accessible label.
fn button(label: &str) -> String {
    format!(
        "//*[(self::button or @role='button') and (normalize-space()={0} or @aria-label={0})]",
        xpath_literal(label)
    )
}

/// Element's class names are tokens; `contains(@class, …)` alone would also match longer ones.
fn has_class(class: &str) -> String {
    format!("contains(concat(' ', normalize-space(@class), ' '), ' {class} ')")
}

/// `text` as an XPath string literal, whatever quotes it holds.
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// Retries `find` until it succeeds, for as long as a person would wait for Element.
async fn wait_for<F, Fut>(browser: &Browser, what: &str, find: F) -> Result<Element>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Element, fantoccini::error::CmdError>>,
{
    let started = Instant::now();
    loop {
        if let Ok(found) = find().await {
            return Ok(found);
        }
        if started.elapsed() > ELEMENT_PATIENCE {
            let page = browser.client.source().await.unwrap_or_default();
            let tail: String = page
                .chars()
                .rev()
                .take(4000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            bail!("Element never showed {what}; the end of the page was:\n{tail}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
