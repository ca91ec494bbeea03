use anyhow::Result;
use kring_homeserver::AdminError;
use kring_testbed::{Persona, TestSynapse};

#[tokio::test]
async fn the_admin_api_adds_lists_deactivates_and_resets_with_clear_errors() -> Result<()> {
    let synapse = TestSynapse::start().await?;
    let admin = synapse.admin();
    let token = synapse.admin_token();
    let account = synapse.register(Persona::Carer).await?;

    let users = admin.list_users(token).await?;
    assert!(
        users
            .iter()
            .any(|u| u.name == account.user_id && !u.deactivated)
    );

    let duplicate = admin
        .register_with_shared_secret(
            synapse.shared_secret(),
            &account.username,
            "whatever-1",
            false,
        )
        .await;
    assert!(matches!(duplicate, Err(AdminError::UserExists(name)) if name == account.username));

    let bad = admin
        .register_with_shared_secret(synapse.shared_secret(), "Niet Goed", "whatever-1", false)
        .await;
    assert!(
        matches!(bad, Err(AdminError::InvalidUsername(_))),
        "{bad:?}"
    );

    admin
        .reset_password(token, &account.user_id, "a-new-password")
        .await?;
    assert!(
        admin
            .login_password(&account.username, "a-new-password")
            .await
            .is_ok()
    );
    assert!(
        admin
            .login_password(&account.username, &account.password)
            .await
            .is_err()
    );

    admin.deactivate(token, &account.user_id).await?;
    let users = admin.list_users(token).await?;
    assert!(
        users
            .iter()
            .any(|u| u.name == account.user_id && u.deactivated)
    );
    assert!(
        admin
            .login_password(&account.username, "a-new-password")
            .await
            .is_err()
    );

    let missing = format!("@nobody:{}", synapse.server_name());
    assert!(matches!(
        admin.deactivate(token, &missing).await,
        Err(AdminError::NoSuchUser(_))
    ));

    let unreachable = kring_homeserver::Admin::new("http://127.0.0.1:9")
        .list_users(token)
        .await;
    assert!(matches!(unreachable, Err(AdminError::Unreachable { .. })));
    Ok(())
}
