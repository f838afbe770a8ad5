"""Deleting an account also blanks the label (name, address) of events about the person.

The append-only trigger of 0002 let only the actor be cleared. It now also
lets ``target_repr`` be cleared, each on its own or together, and nothing
else: no other column may change, no value may be set, no row deleted.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
       AND (NEW.target_repr = '' OR NEW.target_repr IS NOT DISTINCT FROM OLD.target_repr)
       AND (NEW.id, NEW.created_at, NEW.action, NEW.target_type, NEW.target_id,
            NEW.data::text, NEW.ip)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.created_at, OLD.action, OLD.target_type, OLD.target_id,
            OLD.data::text, OLD.ip)
    THEN
        RETURN NEW;  -- anonymisation: the actor and the target's label may be cleared
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'the audit trail is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""

# The function as 0002 created it (the trigger itself is unchanged).
PREVIOUS = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL
       AND (NEW.id, NEW.created_at, NEW.action, NEW.target_type, NEW.target_id,
            NEW.data::text, NEW.ip)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.created_at, OLD.action, OLD.target_type, OLD.target_id,
            OLD.data::text, OLD.ip)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'the audit trail is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_outboundemail")]

    operations = [migrations.RunPython(forwards, backwards)]
