package org.tuneloop.study;

/** Every fact of a study's own stream, in the past tense. The event catalogue in docs/ lists them. */
public sealed interface StudyEvent {

  /**
   * A study, pinned to the exact protocol text it was created from (and its SHA-256), and to the application and
   * agent versions that created it. {@code seed} drives the arm randomisation.
   *
   * @param openOnCreate true only for studies created before studies had a lifecycle (they took participants at once)
   */
  record StudyCreated(String studyId, String protocolId, int protocolVersion, String title, String protocol,
                      String protocolSha256, long seed, String createdBy, String appVersion, String agentVersion,
                      boolean openOnCreate) implements StudyEvent {}

  record StudyOpened(String by) implements StudyEvent {}

  record StudyPaused(String by) implements StudyEvent {}

  /** Final: a closed study takes nothing more. */
  record StudyClosed(String by) implements StudyEvent {}

  /**
   * A participant joined and got an arm. {@code index} numbers the randomised (non-test) assignments from 0, so the
   * arm can be re-derived from the seed; test participants are numbered apart ({@code index} counts them alone).
   *
   * @param entry how they came: "link" (the general link), "personal", "prolific", "preview", "researcher"
   */
  record ParticipantAssigned(String participantId, int index, String arm, String entry, boolean test)
      implements StudyEvent {}

  static int schemaVersion(StudyEvent event) {
    return event instanceof StudyCreated ? 2 : 1;
  }

  static String type(StudyEvent event) {
    return event.getClass().getSimpleName();
  }
}
