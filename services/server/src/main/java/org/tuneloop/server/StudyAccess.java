package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.tuneloop.server.AccessTokens.Caller;

/**
 * Which researcher may see and act on which study: admins on every study, other researchers on the studies they
 * own or were added to. A study someone may not see answers exactly like one that does not exist (404), so its
 * existence is never revealed. Read from the database on every call: a change counts at once on every process.
 */
public final class StudyAccess {
  private final Pool pool;

  public StudyAccess(Pool pool) {
    this.pool = pool;
  }

  public enum MemberRole { OWNER, MEMBER }

  public record Member(String researcherId, String email, MemberRole role) {}

  /** Succeeds for admins and the study's owner and members; 404 for other researchers, 403 for participants. */
  public Future<Void> require(Caller caller, String studyId) {
    return role(caller, studyId).mapEmpty();
  }

  /** Succeeds for admins and the study's owner; a member gets 403, anyone else as in {@link #require}. */
  public Future<Void> requireOwner(Caller caller, String studyId) {
    return role(caller, studyId).compose(role -> role.isEmpty() || role.get() == MemberRole.OWNER
        ? Future.succeededFuture()
        : Future.failedFuture(ApiError.forbidden("only the study's owner or an admin can do this")));
  }

  /** The caller's role in the study: empty for an admin who is not a member; fails as {@link #require}. */
  private Future<Optional<MemberRole>> role(Caller caller, String studyId) {
    if (caller == null || !caller.isResearcher()) {
      return Future.failedFuture(ApiError.forbidden("this needs a researcher account"));
    }
    return pool.preparedQuery("select role from study_members where study_id = $1 and researcher_id = $2")
        .execute(Tuple.of(studyId, UUID.fromString(caller.researcherId())))
        .compose(rows -> {
          if (rows.size() > 0) {
            return Future.succeededFuture(Optional.of(memberRole(rows.iterator().next().getString("role"))));
          }
          return caller.admin() ? Future.succeededFuture(Optional.<MemberRole>empty())
              : Future.failedFuture(ApiError.notFound("no study '" + studyId + "'"));
        });
  }

  /** The studies of the list the caller may see, in the list's order (all of them for an admin). */
  public Future<List<String>> filter(Caller caller, List<String> studyIds) {
    if (caller == null || !caller.isResearcher()) {
      return Future.failedFuture(ApiError.forbidden("this needs a researcher account"));
    }
    if (caller.admin()) {
      return Future.succeededFuture(studyIds);
    }
    return memberships(caller.researcherId())
        .map(own -> studyIds.stream().filter(own::contains).toList());
  }

  /** The studies a researcher owns or was added to (an admin sees more: use {@link #filter}). */
  public Future<Set<String>> memberships(String researcherId) {
    return pool.preparedQuery("select study_id from study_members where researcher_id = $1")
        .execute(Tuple.of(UUID.fromString(researcherId)))
        .map(rows -> {
          Set<String> ids = new HashSet<>();
          for (Row row : rows) {
            ids.add(row.getString("study_id"));
          }
          return ids;
        });
  }

  /** Makes the researcher the study's owner (called when the study is created); an existing row is kept. */
  public Future<Void> grantOwner(String studyId, String researcherId) {
    return pool.preparedQuery("insert into study_members (study_id, researcher_id, role) values ($1, $2, 'owner') "
            + "on conflict (study_id, researcher_id) do nothing")
        .execute(Tuple.of(studyId, UUID.fromString(researcherId)))
        .mapEmpty();
  }

  /** Adds a researcher as a member; one who already belongs to the study keeps their role. */
  public Future<Void> addMember(String studyId, String researcherId) {
    return pool.preparedQuery("insert into study_members (study_id, researcher_id, role) values ($1, $2, 'member') "
            + "on conflict (study_id, researcher_id) do nothing")
        .execute(Tuple.of(studyId, UUID.fromString(researcherId)))
        .mapEmpty();
  }

  /** The study's owner(s) first, then members, each by email. */
  public Future<List<Member>> members(String studyId) {
    return pool.preparedQuery("select r.id, r.email, m.role from study_members m join researchers r "
            + "on r.id = m.researcher_id where m.study_id = $1 order by m.role = 'member', lower(r.email)")
        .execute(Tuple.of(studyId))
        .map(rows -> {
          List<Member> all = new ArrayList<>();
          for (Row row : rows) {
            all.add(new Member(row.getUUID("id").toString(), row.getString("email"),
                memberRole(row.getString("role"))));
          }
          return all;
        });
  }

  private static MemberRole memberRole(String text) {
    return "owner".equals(text) ? MemberRole.OWNER : MemberRole.MEMBER;
  }
}

