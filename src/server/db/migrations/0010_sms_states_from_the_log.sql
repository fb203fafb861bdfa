-- Custom SQL migration file, put your code below! --
-- A ticket's timeline and the dashboard's activity now read each outgoing SMS's state from its
-- sms_logs row (the SMS feature writes only its own table). The copies the SMS code used to write
-- into ticket_events would show every message twice: remove them. Received texts keep their
-- `sms_received` events (written by the tickets feature with the comment).
delete from ticket_events where kind in ('sms_queued', 'sms_skipped', 'sms_sent', 'sms_delivered', 'sms_failed');
