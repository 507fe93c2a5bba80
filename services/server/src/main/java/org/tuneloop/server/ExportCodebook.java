package org.tuneloop.server;

import java.util.List;
import java.util.Optional;

/**
 * Every file and column of an export (docs/export.md): the one definition the export writes its headers from, its
 * codebook.csv from, and docs/codebook.md from (ExportCodebookTest keeps that page equal to {@link #markdown()}).
 */
final class ExportCodebook {
  private ExportCodebook() {}

  /** A column's type, as a reader should parse it; an empty cell is a missing value. */
  enum Type {
    TEXT("text"), INTEGER("integer"), NUMBER("number"), BOOLEAN("boolean"), TIMESTAMP("timestamp"), UUID("uuid"),
    HEX("hex"), JSON("json");

    final String id;

    Type(String id) { this.id = id; }
  }

  record Column(String name, Type type, String unit, String allowed, String meaning) {}

  record Table(String file, String meaning, List<Column> columns) {
    List<String> header() { return columns.stream().map(Column::name).toList(); }
  }

  private static Column col(String name, Type type, String unit, String allowed, String meaning) {
    return new Column(name, type, unit, allowed, meaning);
  }

  private static Column col(String name, Type type, String meaning) {
    return new Column(name, type, "", "", meaning);
  }

  private static final Column PARTICIPANT = col("participant_id", Type.UUID,
      "the participant's pseudonymous id (random; names nobody, identifying data is kept outside the log)");
  private static final Column ARM = col("arm", Type.TEXT, "the arm the participant was randomised to");
  private static final Column POSITION = col("position", Type.INTEGER,
      "position in the event log of the event this row comes from (the row of events.csv)");
  private static final String EDITS = "pitch-up, pitch-down, duration-up, duration-down, change-percussion, remove-note";

  static final Table PARTICIPANTS = new Table("participants.csv", "one row per participant of the study", List.of(
      col("study_id", Type.TEXT, "the study"),
      PARTICIPANT,
      ARM,
      col("assignment_index", Type.INTEGER, "", "0 or more",
          "the n-th randomised assignment of the study (test participants are numbered apart)"),
      col("entry", Type.TEXT, "", "link, prolific, personal, preview, researcher", "how the participant entered"),
      col("protocol_id", Type.TEXT, "the protocol file's id"),
      col("protocol_version", Type.INTEGER, "the protocol file's version"),
      col("consent_version", Type.TEXT, "the consent text version the participant was shown"),
      col("enrolled_at", Type.TIMESTAMP, "UTC", "", "when the participant joined (ISO 8601)"),
      col("consented_at", Type.TIMESTAMP, "UTC", "", "when consent was given; empty if never"),
      col("completed_at", Type.TIMESTAMP, "UTC", "", "when the participant reached the end; empty if not"),
      col("withdrawn_at", Type.TIMESTAMP, "UTC", "", "when the participant withdrew; empty if not"),
      col("last_event_at", Type.TIMESTAMP, "UTC", "", "the participant's latest recorded event"),
      col("status", Type.TEXT, "", "completed, withdrawn, ended-early, screened-out, consent-declined, training-finished, "
          + "dropped-out, in-progress", "where the participant stands: withdrawn, ended-early, screened-out or consent-declined if so (final), "
          + "else completed (the flow's end reached), training-finished (training done, the flow not ended), "
          + "dropped-out (idle past the protocol's limit and not back), in-progress"),
      col("test", Type.BOOLEAN, "", "true, false", "a researcher's test participant (a preview)"),
      col("withdrawn", Type.BOOLEAN, "", "true, false", "the participant withdrew"),
      col("dropped_out", Type.BOOLEAN, "", "true, false",
          "the participant was idle longer than the protocol allows at least once (they may have come back)"),
      col("ended_early", Type.BOOLEAN, "", "true, false", "a researcher ended the session early"),
      col("screened_out", Type.BOOLEAN, "", "true, false", "a screening block (the headphone check) ended the study"),
      col("consent_declined", Type.BOOLEAN, "", "true, false", "the participant declined consent"),
      col("data_erased", Type.BOOLEAN, "", "true, false",
          "identifying data kept outside the log (entry labels, free-text answers) was erased"),
      col("episodes_completed", Type.INTEGER, "episodes", "0 or more", "training episodes completed"),
      col("ratings", Type.INTEGER, "ratings", "0 or more", "tracks rated in training (rows in steps.csv)"),
      col("events", Type.INTEGER, "events", "1 or more", "events in the participant's stream")));

  static final Table STEPS = new Table("steps.csv", "one row per training rating: the step, its rating and the "
      + "Q-value update it caused", List.of(
      PARTICIPANT,
      ARM,
      col("episode", Type.INTEGER, "", "1 or more", "the episode"),
      col("step", Type.INTEGER, "", "1 or more", "k: the rated track is the one after the k-th edit"),
      col("state", Type.TEXT, "Q key of the track before the edit, by the arm's state encoder"),
      col("action", Type.TEXT, "", "edit@note", "the edit credited with the rating, e.g. pitch-up@3"),
      col("edit", Type.TEXT, "", EDITS, "the edit of the action"),
      col("note", Type.INTEGER, "", "0 or more", "index of the edited note, from 0"),
      col("explored", Type.BOOLEAN, "", "true, false", "true: a random pick (exploration); false: greedy"),
      col("epsilon", Type.NUMBER, "probability", "0 to 1", "the exploration probability in force"),
      col("rating", Type.INTEGER, "points", "1 to 10", "the participant's rating of the track"),
      col("millis_to_rate", Type.INTEGER, "ms", "0 or more", "time from presentation to rating, measured by the server"),
      col("client_millis_to_rate", Type.INTEGER, "ms", "0 or more", "time to rate as the client measured it"),
      col("heard_share", Type.NUMBER, "share", "0 to 1", "share of the track played before the rating (client)"),
      col("replays", Type.INTEGER, "times", "0 or more", "times the track was started again (client)"),
      col("hidden_millis", Type.INTEGER, "ms", "0 or more", "time the page was hidden while the track waited (client)"),
      col("presented_at", Type.TIMESTAMP, "UTC", "", "when the server presented the track"),
      col("rated_at", Type.TIMESTAMP, "UTC", "", "when the rating was recorded"),
      col("q_before", Type.NUMBER, "Q value", "", "Q(state, action) before the update"),
      col("reward", Type.NUMBER, "reward", "", "the reward learnt from (the rating, by default)"),
      col("max_next", Type.NUMBER, "Q value", "", "max Q over the actions at the rated track; 0 on the terminal step"),
      col("alpha", Type.NUMBER, "", "0 to 1", "learning rate"),
      col("gamma", Type.NUMBER, "", "0 to 1", "discount"),
      col("terminal", Type.BOOLEAN, "", "true, false", "the episode's last step"),
      col("q_after", Type.NUMBER, "Q value", "", "Q(state, action) after the update"),
      col("target", Type.NUMBER, "Q value", "", "reward + gamma * max_next (reward alone on the terminal step)"),
      col("td_error", Type.NUMBER, "Q value", "", "temporal-difference error: target - q_before"),
      POSITION));

  static final Table QUESTIONNAIRE = new Table("questionnaire.csv", "one row per questionnaire item answered "
      + "(attention checks included)", List.of(
      PARTICIPANT,
      ARM,
      col("block", Type.TEXT, "the questionnaire's block id in the protocol's flow"),
      col("item", Type.TEXT, "the item's id"),
      col("kind", Type.TEXT, "", "number, choice, choices, text, attention-check",
          "what value holds: a number (Likert point or number), an option, options, a free-text reference, "
              + "the option chosen in an attention check"),
      col("value", Type.TEXT, "", "",
          "the answer: a number, the option, the options joined by ';', or empty for free text"),
      col("text_ref", Type.TEXT, "", "",
          "free text only: the reference of the text, which is kept outside the log (participant_texts) and not exported"),
      col("text_length", Type.INTEGER, "characters", "0 or more", "free text only: its length"),
      col("expected", Type.TEXT, "", "", "attention checks only: the right option"),
      col("passed", Type.BOOLEAN, "", "true, false", "attention checks only: the right option was chosen"),
      col("wording_sha256", Type.HEX, "", "64 hex digits", "SHA-256 of the item's wording: tells wordings apart"),
      col("after_episode", Type.INTEGER, "episodes", "0 or more",
          "for a questionnaire asked between episodes: the episodes completed"),
      col("answered_at", Type.TIMESTAMP, "UTC", "", "when the answer was recorded"),
      POSITION));

  static final Table EVALUATIONS = new Table("evaluations.csv", "one row per evaluation item rated for a track",
      List.of(
      PARTICIPANT,
      ARM,
      col("block", Type.TEXT, "the evaluation's block id"),
      col("label", Type.TEXT, "", "A, B, ...", "the track as the participant saw it named"),
      col("source", Type.TEXT, "", "first, best, composition, baseline", "where the track came from"),
      col("presentation_order", Type.INTEGER, "", "1 or more", "the track's place in the presentation order"),
      col("latin_square_row", Type.INTEGER, "", "0 or more", "row of the balanced Latin square that set the order"),
      col("item", Type.TEXT, "the item rated (default: musicality, novelty, coherence)"),
      col("value", Type.INTEGER, "points", "1 to the item's points", "the Likert point chosen"),
      col("millis_to_rate", Type.INTEGER, "ms", "0 or more", "time from the track's presentation to the answers"),
      col("wording_sha256", Type.HEX, "", "64 hex digits", "SHA-256 of the items' wording"),
      col("answered_at", Type.TIMESTAMP, "UTC", "", "when the answers were recorded"),
      POSITION));

  static final Table FATIGUE = new Table("fatigue.csv", "one row per fatigue self-report", List.of(
      PARTICIPANT,
      ARM,
      col("block", Type.TEXT, "the block that asked"),
      col("item", Type.TEXT, "the item's id"),
      col("scale", Type.TEXT, "", "samn-perelli, kss", "samn-perelli (1-7) or kss (1-9)"),
      col("level", Type.INTEGER, "scale points", "1 to 7 (samn-perelli), 1 to 9 (kss)", "higher is more tired"),
      col("after_episode", Type.INTEGER, "episodes", "0 or more", "episodes completed when asked between episodes"),
      col("wording_sha256", Type.HEX, "", "64 hex digits", "SHA-256 of the item's wording"),
      col("reported_at", Type.TIMESTAMP, "UTC", "", "when the report was recorded"),
      POSITION));

  static final Table BREAKS = new Table("breaks.csv", "one row per break suggested, started or ended", List.of(
      PARTICIPANT,
      ARM,
      col("event", Type.TEXT, "", "suggested, started, ended", "what happened"),
      col("reason", Type.TEXT, "", "time, fatigue, identical-ratings, chosen",
          "why (suggested, started); chosen: the participant took one"),
      col("seconds", Type.INTEGER, "s", "1 or more", "the break's length (suggested, started)"),
      col("enforced", Type.BOOLEAN, "", "true, false", "started only: commands were refused until ends_at"),
      col("ends_at", Type.TIMESTAMP, "UTC", "", "started only: when the break ends"),
      col("at", Type.TIMESTAMP, "UTC", "", "when it happened"),
      POSITION));

  static final Table PROBES = new Table("probes.csv", "one row per reliability probe: an earlier rated track "
      + "presented again unannounced", List.of(
      PARTICIPANT,
      ARM,
      col("episode", Type.INTEGER, "", "1 or more", "the episode the probe came in"),
      col("after_step", Type.INTEGER, "", "1 or more", "the probe followed this step's rating"),
      col("repeat_episode", Type.INTEGER, "", "1 or more", "where the repeated track was first rated"),
      col("repeat_step", Type.INTEGER, "", "1 or more", "where the repeated track was first rated"),
      col("earlier_rating", Type.INTEGER, "points", "1 to 10", "the rating the track got the first time"),
      col("probe_rating", Type.INTEGER, "points", "1 to 10", "the rating it got as a probe (never a reward)"),
      col("difference", Type.INTEGER, "points", "-9 to 9", "probe_rating - earlier_rating"),
      col("millis_to_rate", Type.INTEGER, "ms", "0 or more", "time from the probe's presentation to its rating"),
      col("presented_at", Type.TIMESTAMP, "UTC", "", "when the probe was presented"),
      col("rated_at", Type.TIMESTAMP, "UTC", "", "when its rating was recorded"),
      POSITION));

  static final Table DIAGNOSTICS = new Table("diagnostics.csv", "one row per participant: the learning "
      + "diagnostics of docs/audit.md, their figures, the flags raised and the protocol's thresholds", List.of(
      PARTICIPANT,
      ARM,
      col("rated_steps", Type.INTEGER, "ratings", "0 or more", "training ratings (rows in steps.csv)"),
      col("updates", Type.INTEGER, "updates", "0 or more", "Q-value updates"),
      col("q_table_size", Type.INTEGER, "state-action pairs", "0 or more", "distinct state-action pairs updated"),
      col("state_revisit_rate", Type.NUMBER, "share", "0 to 1",
          "share of the updates whose state had been credited before"),
      col("greedy_steps", Type.INTEGER, "steps", "0 or more", "actions chosen greedily (not explored)"),
      col("informed_greedy_share", Type.NUMBER, "share", "0 to 1",
          "share of the greedy steps at whose track anything learnt bore on the pick"),
      col("mean_abs_td_error_first", Type.NUMBER, "Q value", "0 or more",
          "mean absolute TD error of the first third of the updates; empty with fewer than 3 updates"),
      col("mean_abs_td_error_last", Type.NUMBER, "Q value", "0 or more",
          "mean absolute TD error of the last third of the updates; empty with fewer than 3 updates"),
      col("top_action_greedy_share", Type.NUMBER, "share", "0 to 1",
          "the largest share of the greedy steps taken by one kind of edit; empty without greedy steps"),
      col("top_greedy_edit", Type.TEXT, "", EDITS, "that kind of edit"),
      col("never_seen_state_share", Type.NUMBER, "share", "0 to 1",
          "share of the updates whose state had never been credited before; empty without updates"),
      col("rating_slope_per_episode", Type.NUMBER, "points per episode", "",
          "least-squares slope of the mean rating per episode over the episodes; empty with fewer than 2 episodes"),
      col("flags", Type.TEXT, "", "no-convergence, policy-collapse, state-space-explosion, rating-drift",
          "the flags raised, joined by ';'; empty when none"),
      col("min_steps", Type.INTEGER, "ratings", "1 or more",
          "threshold: no flag before this many rated steps; empty: the protocol turns the flags off"),
      col("policy_collapse_share", Type.NUMBER, "share", "0 to 1",
          "threshold: policy-collapse when top_action_greedy_share is above it; empty: off"),
      col("never_seen_state_share_limit", Type.NUMBER, "share", "0 to 1",
          "threshold: state-space-explosion when never_seen_state_share is above it; empty: off"),
      col("rating_drift_per_episode", Type.NUMBER, "points per episode", "-9 to 0",
          "threshold: rating-drift when rating_slope_per_episode is below it; empty: off")));

  static final Table EVENTS = new Table("events.csv", "one row per stored event of the exported streams, as stored "
      + "(docs/events.md describes every type and field)", List.of(
      col("position", Type.INTEGER, "", "1 or more", "position in the whole event log"),
      col("stream_id", Type.TEXT, "", "study-<id>, participant-<uuid>", "the stream"),
      col("version", Type.INTEGER, "", "1 or more", "the event's version in its stream, without gaps"),
      col("event_id", Type.UUID, "the event's id"),
      col("type", Type.TEXT, "", "the types of docs/events.md", "the event type"),
      col("schema_version", Type.INTEGER, "", "1 or more", "the version of the type's shape the event was written in"),
      col("recorded_at", Type.TIMESTAMP, "UTC", "", "when the event was stored"),
      col("data", Type.JSON, "", "", "the event's fields (docs/events.md)"),
      col("metadata", Type.JSON, "", "", "appVersion, agentVersion, instance, requestId, clientTime")));

  static final Table EVENTS_JSONL = new Table("events.jsonl", "one JSON object per line per stored event of the "
      + "exported streams, in log order", List.of(
      col("position", Type.INTEGER, "", "1 or more", "position in the whole event log"),
      col("stream", Type.TEXT, "", "study-<id>, participant-<uuid>", "the stream"),
      col("version", Type.INTEGER, "", "1 or more", "the event's version in its stream, without gaps"),
      col("eventId", Type.UUID, "the event's id"),
      col("type", Type.TEXT, "", "the types of docs/events.md", "the event type"),
      col("schemaVersion", Type.INTEGER, "", "1 or more", "the version of the type's shape the event was written in"),
      col("recordedAt", Type.TIMESTAMP, "UTC", "", "when the event was stored"),
      col("data", Type.JSON, "", "", "the event's fields (docs/events.md)"),
      col("metadata", Type.JSON, "", "", "appVersion, agentVersion, instance, requestId, clientTime")));

  static final Table CODEBOOK = new Table("codebook.csv", "one row per column of every file of the export", List.of(
      col("file", Type.TEXT, "the file"),
      col("column", Type.TEXT, "the column (for events.jsonl: the key)"),
      col("type", Type.TEXT, "", "text, integer, number, boolean, timestamp, uuid, hex, json",
          "how to read the column; an empty cell is a missing value"),
      col("unit", Type.TEXT, "the unit, if any"),
      col("allowed_values", Type.TEXT, "the values or range allowed, if limited"),
      col("meaning", Type.TEXT, "what the column holds")));

  /** The tidy tables of a CSV export, in the order they are listed. */
  static final List<Table> TIDY = List.of(PARTICIPANTS, STEPS, QUESTIONNAIRE, EVALUATIONS, FATIGUE, BREAKS, PROBES,
      DIAGNOSTICS);

  /** Every table of an export of the format: its data files, then the codebook itself. */
  static List<Table> tables(ExportRun.Format format) {
    return switch (format) {
      case CSV -> {
        var all = new java.util.ArrayList<>(TIDY);
        all.add(EVENTS);
        all.add(CODEBOOK);
        yield List.copyOf(all);
      }
      case JSONL -> List.of(EVENTS_JSONL, CODEBOOK);
    };
  }

  static Optional<Table> table(String file) {
    return java.util.stream.Stream.concat(tables(ExportRun.Format.CSV).stream(),
        java.util.stream.Stream.of(EVENTS_JSONL)).filter(t -> t.file().equals(file)).findFirst();
  }

  /** docs/codebook.md, generated: ExportCodebookTest compares it with the file. */
  static String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Codebook of an export\n\n")
        .append("Every column of every file `./study export` writes (see [export](export.md)). Each export carries\n")
        .append("the same table as `codebook.csv`. This page is generated from\n")
        .append("`services/server/src/main/java/org/tuneloop/server/ExportCodebook.java` by `./study export --codebook`\n")
        .append("and checked against it by `ExportCodebookTest`.\n\n")
        .append("Types: `text`; `integer`; `number` (decimal, possibly in exponent notation such as `1.0E-4`); `boolean`\n")
        .append("(`true` or `false`); `timestamp` (ISO 8601 in UTC, e.g. `2026-01-31T09:15:02.123456Z`); `uuid`; `hex`\n")
        .append("(lower-case hexadecimal); `json` (a JSON value). An empty cell is a missing value.\n");
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (ExportRun.Format format : ExportRun.Format.values()) {
      for (Table table : tables(format)) {
        if (!seen.add(table.file())) {
          continue;
        }
        md.append("\n## ").append(table.file()).append("\n\n").append(capitalised(table.meaning())).append(".\n\n")
            .append("| column | type | unit | allowed values | meaning |\n| --- | --- | --- | --- | --- |\n");
        for (Column c : table.columns()) {
          md.append("| `").append(c.name()).append("` | ").append(c.type().id).append(" | ").append(c.unit())
              .append(" | ").append(c.allowed()).append(" | ").append(c.meaning()).append(" |\n");
        }
      }
    }
    return md.toString();
  }

  private static String capitalised(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}
