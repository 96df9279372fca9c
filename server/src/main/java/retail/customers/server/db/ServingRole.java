package retail.customers.server.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database role the server serves as: not the tables' owner, so that
 * row-level security (V13) holds it to the tenant of each call and it
 * cannot turn that off. The migrations run as the owner, which then grants
 * this role what serving needs.
 */
public final class ServingRole {
  /** The role the server serves as on its embedded database. */
  public static final String EMBEDDED = "customers_app";
  private static final Logger log = LoggerFactory.getLogger(ServingRole.class);

  private ServingRole() {}

  /**
   * Creates {@code role}, able to log in without a password, unless it exists:
   * for the embedded database, which trusts local connections only.
   */
  public static void create(DataSource owner, String role) {
    execute(owner, role, "begin execute format('create role %I login', r); exception when duplicate_object or unique_violation then null; end");
  }

  /**
   * Grants {@code role} the rows of every table (row-level security decides
   * which), the sequences, and the functions through which alone it reaches
   * across tenants; not the migrations' history, nor the change stream's
   * sequencer other than through its function. Run after each migration:
   * new tables need it too.
   */
  public static void grant(DataSource owner, String role) {
    execute(owner, role, """
        begin
            execute format('grant usage on schema %I to %I', current_schema(), r);
            execute format('grant select, insert, update, delete on all tables in schema %I to %I', current_schema(), r);
            execute format('revoke insert, update, delete on flyway_schema_history, customer_event_sequencer from %I', r);
            execute format('grant usage, select on all sequences in schema %I to %I', current_schema(), r);
            execute format('grant execute on function customers_api_key(bytea), customers_any_tenant(), customer_event_sequence(int),'
                           ' customer_event_expire(interval), idempotent_request_expire(timestamptz), customer_search_text_statistics() to %I', r);
        end""");
  }

  /**
   * Applies the migrations as {@code owner}, then grants {@code role} what
   * serving needs: the grants must follow every migration, for its new
   * tables and functions.
   */
  public static void migrate(DataSource owner, String role) {
    Database.migrate(owner);
    grant(owner, role);
  }

  /** The role that {@code serving}'s connections log in as. */
  public static String of(Database serving) {
    return serving.dsl().resultQuery("select current_user").fetchSingle(0, String.class);
  }

  /** How well the serving role's sessions are held to their tenant. */
  public record Enforcement(boolean bypasses, boolean owns, boolean indexable) {
    /** Whether row-level security holds the role to its tenant, always. */
    public boolean enforced() {
      return !bypasses && !owns;
    }
  }

  /** Checks the role {@code serving} connects as, and warns about what weakens isolation or searches. */
  public static Enforcement check(DSLContext serving) {
    org.jooq.Record r = serving.resultQuery(
            """
            select r.rolsuper or r.rolbypassrls, pg_has_role(current_user, c.relowner, 'USAGE'),
                   (select bool_and(p.proleakproof) from pg_proc p
                     where p.oid in ('textlike(text,text)'::regprocedure, 'lower(text)'::regprocedure,
                                     'arraycontains(anyarray,anyarray)'::regprocedure, 'arrayoverlap(anyarray,anyarray)'::regprocedure))
              from pg_roles r, pg_class c
             where r.rolname = current_user and c.oid = 'customer'::regclass
            """)
        .fetchSingle();
    Enforcement enforcement = new Enforcement(r.get(0, Boolean.class), r.get(1, Boolean.class), r.get(2, Boolean.class));
    if (enforcement.bypasses()) {
      log.warn("serving as a superuser or a role that bypasses row-level security: tenants are kept apart by the queries alone;"
          + " serve as a role of its own (--database-user) and migrate as the owner (--migration-user)");
    } else if (enforcement.owns()) {
      log.warn("serving as the tables' owner, which could turn row-level security off;"
          + " serve as a role of its own (--database-user) and migrate as the owner (--migration-user)");
    }
    if (!enforcement.indexable()) {
      log.warn("LIKE, lower(), @> and && are not marked leakproof in this database, so under row-level security searches"
          + " cannot use their indexes; run the migrations once as a superuser (see V13__row_level_security.sql)");
    }
    return enforcement;
  }

  /** Runs {@code body}, a PL/pgSQL block, with the role's name in its variable {@code r}. */
  private static void execute(DataSource owner, String role, String body) {
    String literal = "'" + role.replace("'", "''") + "'";
    try (Connection c = owner.getConnection(); Statement s = c.createStatement()) {
      s.execute("do $$ declare r text := " + literal + "; " + body + " $$");
    } catch (SQLException e) {
      throw new DataAccessException("cannot prepare the serving role " + role, e);
    }
  }
}
