DROP INDEX account_links_user_purpose;
DROP TABLE outbox;
