//! Table definitions shared by both backends. Written by hand rather than
//! generated: the column types must be the ones SQLite and PostgreSQL have in
//! common, which is all `MultiConnection` supports.

diesel::table! {
    post_offices (id) {
        id -> BigInt,
        name -> Text,
        commune_code -> Integer,
        address -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sellers (id) {
        id -> BigInt,
        kind -> Text,
        legal_name -> Text,
        short_name -> Text,
        tax_code -> Nullable<Text>,
        business_reg_no -> Nullable<Text>,
        representative -> Text,
        phone -> Text,
        zalo_phone -> Nullable<Text>,
        email -> Nullable<Text>,
        commune_code -> Integer,
        village -> Nullable<Text>,
        former_district -> Nullable<Text>,
        gln -> Nullable<Text>,
        bank_account -> Nullable<Text>,
        onboarded_by -> Nullable<BigInt>,
        post_office_id -> Nullable<BigInt>,
        consent_at -> Nullable<Timestamp>,
        status -> Text,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        phone -> Nullable<Text>,
        role -> Text,
        seller_id -> Nullable<BigInt>,
        post_office_id -> Nullable<BigInt>,
        password_hash -> Text,
        token_version -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    account_links (id) {
        id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        email -> Text,
        name -> Text,
        seller_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_role -> Text,
        seller_id -> Nullable<BigInt>,
        on_behalf -> Bool,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        details -> Text,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        throttle_key -> Text,
        at -> Timestamp,
    }
}

diesel::joinable!(users -> post_offices (post_office_id));
diesel::joinable!(account_links -> sellers (seller_id));

diesel::allow_tables_to_appear_in_same_query!(
    post_offices,
    sellers,
    users,
    account_links,
    audit_log,
    login_failures,
);
