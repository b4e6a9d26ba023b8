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

diesel::table! {
    products (id) {
        id -> BigInt,
        seller_id -> BigInt,
        name_vi -> Text,
        name_en -> Nullable<Text>,
        slug -> Text,
        ocop_group -> Text,
        ocop_subgroup -> Nullable<Text>,
        description -> Text,
        story -> Nullable<Text>,
        ingredients -> Nullable<Text>,
        unit -> Text,
        net_quantity -> Double,
        pack_type -> Nullable<Text>,
        packed_weight_g -> Nullable<Integer>,
        length_cm -> Nullable<Double>,
        width_cm -> Nullable<Double>,
        height_cm -> Nullable<Double>,
        price_vnd -> BigInt,
        stock -> Integer,
        gtin -> Nullable<Text>,
        shelf_life_days -> Nullable<Integer>,
        storage -> Nullable<Text>,
        planting_area_code -> Nullable<Text>,
        status -> Text,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sku -> Nullable<Text>,
    }
}

diesel::table! {
    certificates (id) {
        id -> BigInt,
        product_id -> BigInt,
        stars -> Integer,
        score -> Nullable<Integer>,
        decision_no -> Text,
        issued_by -> Text,
        issued_on -> Date,
        valid_until -> Date,
        document_file -> Nullable<Text>,
        notified_60_at -> Nullable<Timestamp>,
        notified_14_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    photos (id) {
        id -> BigInt,
        product_id -> BigInt,
        position -> Integer,
        file_key -> Text,
        width -> Integer,
        height -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lots (id) {
        id -> BigInt,
        product_id -> BigInt,
        code -> Text,
        produced_on -> Nullable<Date>,
        packed_on -> Nullable<Date>,
        best_before -> Nullable<Date>,
        quantity -> Nullable<Double>,
        quantity_unit -> Nullable<Text>,
        origin_commune_code -> Nullable<Integer>,
        origin_place -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    trace_events (id) {
        id -> BigInt,
        lot_id -> BigInt,
        kind -> Text,
        happened_at -> Timestamp,
        place -> Nullable<Text>,
        actor -> Nullable<Text>,
        note -> Nullable<Text>,
        corrects_event_id -> Nullable<BigInt>,
        attachment_file -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stamp_runs (id) {
        id -> BigInt,
        seller_id -> BigInt,
        product_id -> BigInt,
        lot_id -> Nullable<BigInt>,
        count -> Integer,
        layout -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        voided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    stamps (id) {
        id -> BigInt,
        run_id -> BigInt,
        serial -> Integer,
        code -> Text,
        lot_id -> Nullable<BigInt>,
        status -> Text,
        activated_at -> Nullable<Timestamp>,
        activated_by -> Nullable<BigInt>,
        scan_count -> Integer,
        first_scanned_at -> Nullable<Timestamp>,
        last_alert_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scans (id) {
        id -> BigInt,
        stamp_id -> Nullable<BigInt>,
        code -> Text,
        at -> Timestamp,
        network -> Text,
        agent -> Text,
        lang -> Text,
        outcome -> Text,
        device -> Text,
    }
}

diesel::table! {
    forged_scan_days (day) {
        day -> Date,
        scans -> BigInt,
    }
}

diesel::table! {
    exports (id) {
        id -> BigInt,
        channel -> Text,
        format -> Text,
        created_by -> Nullable<BigInt>,
        seller_id -> Nullable<BigInt>,
        product_ids -> Text,
        status -> Text,
        total -> Integer,
        processed -> Integer,
        exported -> Integer,
        held -> Integer,
        problems -> Text,
        file_name -> Nullable<Text>,
        file_size -> Nullable<BigInt>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        heartbeat_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    copy_alerts (id) {
        id -> BigInt,
        stamp_id -> BigInt,
        seller_id -> BigInt,
        at -> Timestamp,
        scans -> Integer,
        networks -> Integer,
        mailed -> Bool,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        channel -> Text,
        recipient -> Text,
        recipient_name -> Text,
        subject -> Text,
        body -> Text,
        kind -> Text,
        seller_id -> Nullable<BigInt>,
        account_link_id -> Nullable<BigInt>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    label_jobs (id) {
        id -> BigInt,
        run_id -> BigInt,
        seller_id -> BigInt,
        layout -> Text,
        format -> Text,
        serial -> Nullable<Integer>,
        requested_by -> Nullable<BigInt>,
        status -> Text,
        labels_done -> Integer,
        labels_total -> Integer,
        file_path -> Nullable<Text>,
        file_size -> Nullable<BigInt>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        heartbeat_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> post_offices (post_office_id));
diesel::joinable!(account_links -> sellers (seller_id));
diesel::joinable!(products -> sellers (seller_id));
diesel::joinable!(certificates -> products (product_id));
diesel::joinable!(photos -> products (product_id));
diesel::joinable!(lots -> products (product_id));
diesel::joinable!(trace_events -> lots (lot_id));
diesel::joinable!(stamps -> stamp_runs (run_id));
diesel::joinable!(stamp_runs -> products (product_id));
diesel::joinable!(exports -> sellers (seller_id));
diesel::joinable!(outbox -> account_links (account_link_id));
diesel::joinable!(label_jobs -> stamp_runs (run_id));

diesel::allow_tables_to_appear_in_same_query!(
    post_offices,
    sellers,
    users,
    account_links,
    audit_log,
    login_failures,
    products,
    certificates,
    photos,
    lots,
    trace_events,
    stamp_runs,
    stamps,
    scans,
    forged_scan_days,
    copy_alerts,
    exports,
    outbox,
    label_jobs,
);
