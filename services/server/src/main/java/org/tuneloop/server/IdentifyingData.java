package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tuneloop.study.Answer;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.Supervision;

/**
 * Identifying data kept apart from the immutable log (db/migration V4, V5): the entry record (labels, Prolific ids)
 * and free-text answers. Erasing deletes the rows and records the erasure in the log, which stays whole.
 */
final class IdentifyingData {
  private final Pool pool;
  private final Participants participants;

  IdentifyingData(Pool pool, Participants participants) {
    this.pool = pool;
    this.participants = participants;
  }

  /** Stores the free-text answers of a command whose events refer to them (one row per reference). */
  Future<Void> storeTexts(String participantId, String studyId, ParticipantCommand.SubmitAnswers command) {
    return participants.events(participantId).compose(events -> {
      List<Tuple> rows = new ArrayList<>();
      for (ParticipantEvent e : events) {
        if (e instanceof ParticipantEvent.QuestionnaireAnswered a && a.value() instanceof Answer.TextReference ref
            && ref.reference().startsWith(command.textKey() + ":")) {
          Answer given = command.answers().get(a.item());
          String text = given instanceof Answer.Choice(String t) ? t : given instanceof Answer.Text(String t) ? t : "";
          rows.add(Tuple.of(ref.reference(), participantId, studyId, a.block(), a.item(), text.strip()));
        }
      }
      return rows.isEmpty() ? Future.<Void>succeededFuture()
          : pool.preparedQuery("insert into participant_texts (reference, participant_id, study_id, block, item, answer)"
              + " values ($1, $2, $3, $4, $5, $6) on conflict (reference) do nothing").executeBatch(rows).mapEmpty();
    });
  }

  /** Deletes the participant's identifying rows and appends IdentifyingDataErased with the counts. */
  Future<Participants.Handled> erase(String participantId, String by) {
    return pool.withTransaction(conn -> conn.preparedQuery("delete from participant_entries where participant_id = $1")
            .execute(Tuple.of(participantId))
            .compose(entries -> conn.preparedQuery("delete from participant_texts where participant_id = $1")
                .execute(Tuple.of(participantId))
                .map(texts -> Map.entry(entries.rowCount(), texts.rowCount()))))
        .compose(counts -> participants.supervise(participantId,
            new Supervision.Command.RecordErasure(by, counts.getKey(), counts.getValue()), null,
            new io.vertx.core.json.JsonObject()));
  }
}
