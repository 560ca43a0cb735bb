"""Similar-idea search: PostgreSQL full text in French without accents plus trigrams; SQLite FTS5.

PostgreSQL: the ``unaccent`` and ``pg_trgm`` extensions, a ``community_fr`` text-search
configuration (French stemming after ``unaccent``), an immutable ``community_unaccent`` wrapper
(``unaccent`` itself is only stable, so it cannot be indexed) and two GIN indexes on the title.
SQLite: an FTS5 table without diacritics, kept in step by triggers.
"""

from django.db import migrations

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'community_fr') THEN
           CREATE TEXT SEARCH CONFIGURATION community_fr (COPY = french);
           ALTER TEXT SEARCH CONFIGURATION community_fr
             ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
         END IF;
       END $$""",
    """CREATE OR REPLACE FUNCTION community_unaccent(text) RETURNS text
         LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
         AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    "CREATE INDEX IF NOT EXISTS community_idea_title_fts ON community_idea "
    "USING gin (to_tsvector('community_fr', title))",
    "CREATE INDEX IF NOT EXISTS community_idea_title_trgm ON community_idea "
    "USING gin (community_unaccent(lower(title)) gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS community_idea_title_trgm",
    "DROP INDEX IF EXISTS community_idea_title_fts",
    "DROP FUNCTION IF EXISTS community_unaccent(text)",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS community_fr",
]
SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS community_idea_fts "
    "USING fts5(title, tokenize = 'unicode61 remove_diacritics 2')",
    """CREATE TRIGGER IF NOT EXISTS community_idea_fts_ins AFTER INSERT ON community_idea BEGIN
         INSERT INTO community_idea_fts(rowid, title) VALUES (new.id, new.title);
       END""",
    """CREATE TRIGGER IF NOT EXISTS community_idea_fts_upd AFTER UPDATE OF title ON community_idea
       BEGIN
         DELETE FROM community_idea_fts WHERE rowid = old.id;
         INSERT INTO community_idea_fts(rowid, title) VALUES (new.id, new.title);
       END""",
    """CREATE TRIGGER IF NOT EXISTS community_idea_fts_del AFTER DELETE ON community_idea BEGIN
         DELETE FROM community_idea_fts WHERE rowid = old.id;
       END""",
    "INSERT INTO community_idea_fts(rowid, title) SELECT id, title FROM community_idea",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS community_idea_fts_ins",
    "DROP TRIGGER IF EXISTS community_idea_fts_upd",
    "DROP TRIGGER IF EXISTS community_idea_fts_del",
    "DROP TABLE IF EXISTS community_idea_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
