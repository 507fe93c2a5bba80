-- Free-text answers (feedback, debrief) may identify a participant, so they live outside the immutable event log:
-- the log's QuestionnaireAnswered holds only the reference and the length. A withdrawal after finishing, or a
-- researcher's erasure, deletes the participant's rows here (and in participant_entries) while the log, and
-- `audit verify`, stay whole.
create table participant_texts (
  reference      text primary key,
  participant_id text not null,
  study_id       text not null,
  block          text not null,
  item           text not null,
  answer         text not null,
  created_at     timestamptz not null default now()
);
create index participant_texts_participant on participant_texts (participant_id);
create index participant_texts_study on participant_texts (study_id);

grant select, insert, delete on participant_texts to ${appRole};
