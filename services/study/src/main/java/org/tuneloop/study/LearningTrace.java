package org.tuneloop.study;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.tuneloop.agent.Learning;
import org.tuneloop.agent.Learnt;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.QTable;
import org.tuneloop.music.Edit;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.StartParametersChosen;
import org.tuneloop.study.ParticipantEvent.TrackPresented;
import org.tuneloop.study.ParticipantEvent.TrackRated;

/**
 * What a participant's agent learnt, rating by rating, folded from the recorded events (nothing is recomputed:
 * {@link Audit#replay} checks the records). One fold gives the per-step trace, the episodes, the kinds of edit
 * chosen, the Q-table and greedy policy as of the last event folded, each update of a state-action (its
 * provenance), {@link Audit.Learned} and the learning diagnostics (docs/audit.md).
 */
public final class LearningTrace {

  /** An event with its global position in the log. */
  public record Logged(long position, ParticipantEvent event) {}

  /**
   * One rated training step (probes and practice are not steps). The update's figures are null when no update
   * followed the rating (a fresh track rated as step 0); {@code revisit} is then null too.
   *
   * @param qTableSize  state-action pairs updated so far, this step's included
   * @param revisit     this step's update credited a state credited before
   * @param revisitRate share of the updates so far whose state had been credited before
   */
  public record Step(long position, int episode, int step, Track track, int tempo, Instant presentedAt,
                     TrackEdit action, String actionText, Boolean explored, Double epsilon, int rating,
                     long millisToRate, Long clientMillisToRate, Double heardShare, Double reward, Double qBefore,
                     Double qAfter, Double tdError, String state, int qTableSize, Boolean revisit,
                     double revisitRate) {}

  public record Episode(int episode, Double meanRating, int ratings, int explored, int exploited) {}

  /** A kind of edit: how often it was chosen, and how often greedily. */
  public record ActionKind(Edit edit, String text, int chosen, int greedy) {
    public String kind() { return edit.id(); }
  }

  /** One recorded update of a state-action, with the rating it learnt from (null if the rating is not found). */
  public record Update(long position, int episode, int step, String state, String action, Integer rating,
                       double reward, double before, double after, double tdError) {
    public double delta() { return after - before; }
  }

  /** The greedy action of a state in the table, and its value (ties go to the first action key in order). */
  public record Greedy(String state, String greedyAction, double value) {}

  /** A raised learning flag: its kind and a sentence with the figure and the threshold. */
  public record Flag(String kind, String message) {}

  public static final String NO_CONVERGENCE = "no-convergence";
  public static final String POLICY_COLLAPSE = "policy-collapse";
  public static final String STATE_SPACE_EXPLOSION = "state-space-explosion";
  public static final String RATING_DRIFT = "rating-drift";
  /** Every flag kind, in the order they are checked. */
  public static final List<String> FLAG_KINDS = List.of(NO_CONVERGENCE, POLICY_COLLAPSE, STATE_SPACE_EXPLOSION,
      RATING_DRIFT);

  /**
   * The diagnostics' figures; each null when there is nothing to compute it from.
   *
   * @param meanAbsTdErrorFirst   mean absolute TD error of the first third of the updates
   * @param meanAbsTdErrorLast    mean absolute TD error of the last third of the updates
   * @param topActionGreedyShare  the largest share of the greedy steps taken by one kind of edit
   * @param neverSeenStateShare   share of the updates whose state had never been credited before
   * @param ratingSlopePerEpisode least-squares slope of the mean rating per episode over the episodes (points)
   */
  public record Figures(Double meanAbsTdErrorFirst, Double meanAbsTdErrorLast, Double topActionGreedyShare,
                        Double neverSeenStateShare, Double ratingSlopePerEpisode) {}

  /** The figures, the flags the thresholds raise, and the rated steps they were judged on. */
  public record Diagnostics(int steps, Figures figures, List<Flag> flags, Protocol.Diagnostics thresholds) {
    public Diagnostics {
      flags = List.copyOf(flags);
    }

    public List<String> kinds() { return flags.stream().map(Flag::kind).toList(); }

    public boolean has(String kind) { return kinds().contains(kind); }
  }

  private final List<Step> steps;
  private final List<Episode> episodes;
  private final List<ActionKind> actions;
  private final List<Update> updates;
  private final Learnt learnt;
  private final Audit.Learned learned;
  private final Map<Edit, Integer> greedyByKind;
  private final Long lastPosition;

  private LearningTrace(Fold f) {
    this.steps = List.copyOf(f.steps);
    this.updates = List.copyOf(f.updates);
    this.learnt = f.learnt;
    this.learned = new Audit.Learned(f.updates.size(), f.revisited, f.greedy, f.informed);
    this.greedyByKind = Map.copyOf(f.greedyByKind);
    this.lastPosition = f.lastPosition;
    List<Episode> episodes = new ArrayList<>();
    f.episodes.forEach((n, e) -> episodes.add(new Episode(n, e.ratings == 0 ? null : (double) e.sum / e.ratings,
        e.ratings, e.explored, e.exploited)));
    this.episodes = List.copyOf(episodes);
    List<ActionKind> kinds = new ArrayList<>();
    f.chosenByKind.forEach((edit, n) -> kinds.add(new ActionKind(edit, f.bounds == null ? edit.id()
        : edit.inWords(f.bounds), n, f.greedyByKind.getOrDefault(edit, 0))));
    kinds.sort(Comparator.comparingInt(ActionKind::chosen).reversed());
    this.actions = List.copyOf(kinds);
  }

  /** The trace of the events, numbered 1, 2, ... in place of log positions. */
  public static LearningTrace of(List<ParticipantEvent> events) {
    Fold fold = new Fold(true);
    long position = 0;
    for (ParticipantEvent event : events) {
      fold.next(++position, event);
    }
    return fold.result();
  }

  /** The trace of the logged events. */
  public static LearningTrace ofLogged(List<Logged> events) {
    Fold fold = new Fold(true);
    events.forEach(e -> fold.next(e.position(), e.event()));
    return fold.result();
  }

  /** The trace as of {@code position}: the events after it are left out. */
  public static LearningTrace at(List<Logged> events, long position) {
    return ofLogged(events.stream().filter(e -> e.position() <= position).toList());
  }

  /** The rated steps in order (empty when the fold kept no steps). */
  public List<Step> steps() { return steps; }

  /** Episodes with at least one rating or choice, in order; meanRating is null for an episode without a rating. */
  public List<Episode> episodes() { return episodes; }

  /** Kinds of edit chosen, most chosen first. */
  public List<ActionKind> actions() { return actions; }

  public List<Update> updates() { return updates; }

  /** What was learnt as of the last event folded (null before the start parameters were chosen). */
  public Learnt learnt() { return learnt; }

  public Audit.Learned learned() { return learned; }

  /** The position of the last event folded, or null when none was. */
  public Long lastPosition() { return lastPosition; }

  /** The Q-table as of the last event folded (empty for a linear learner, whose weights are in {@link #learnt}). */
  public QTable qTable() {
    return learnt instanceof Learnt.Tabular t ? t.q() : QTable.empty();
  }

  /** Each state of the table with its greedy action among the actions it holds, states in order. */
  public List<Greedy> policy() {
    Map<String, Greedy> best = new TreeMap<>();
    List<Map.Entry<QKey, Double>> entries = new ArrayList<>(qTable().entries().entrySet());
    entries.sort(Comparator.comparing((Map.Entry<QKey, Double> e) -> e.getKey().state())
        .thenComparing(e -> e.getKey().action()));
    for (Map.Entry<QKey, Double> e : entries) {
      Greedy current = best.get(e.getKey().state());
      if (current == null || e.getValue() > current.value()) {
        best.put(e.getKey().state(), new Greedy(e.getKey().state(), e.getKey().action(), e.getValue()));
      }
    }
    return List.copyOf(best.values());
  }

  /** Every update of the state-action, in order; empty when it was never updated. */
  public List<Update> provenance(String state, String action) {
    return updates.stream().filter(u -> u.state().equals(state) && u.action().equals(action)).toList();
  }

  /** The kind of edit chosen most often greedily (the first in edit order on a tie), or null without greedy steps. */
  public Edit topGreedyEdit() {
    Edit top = null;
    for (Edit edit : Edit.values()) {
      int n = greedyByKind.getOrDefault(edit, 0);
      if (n > 0 && (top == null || n > greedyByKind.get(top))) {
        top = edit;
      }
    }
    return top;
  }

  /** The learning diagnostics under the thresholds (docs/audit.md gives each flag's definition). */
  public Diagnostics diagnostics(Protocol.Diagnostics t) {
    int rated = episodes.stream().mapToInt(Episode::ratings).sum();
    int third = updates.size() / 3;
    Double first = third == 0 ? null : updates.subList(0, third).stream()
        .mapToDouble(u -> Math.abs(u.tdError())).average().orElseThrow();
    Double last = third == 0 ? null : updates.subList(updates.size() - third, updates.size()).stream()
        .mapToDouble(u -> Math.abs(u.tdError())).average().orElseThrow();
    int ratedGreedy = greedyByKind.values().stream().mapToInt(Integer::intValue).sum();
    Double top = ratedGreedy == 0 ? null
        : (double) greedyByKind.values().stream().mapToInt(Integer::intValue).max().orElse(0) / ratedGreedy;
    Double neverSeen = updates.isEmpty() ? null : 1.0 - learned.revisitRate();
    Double slope = slope(episodes.stream().filter(e -> e.ratings() > 0).toList());
    Figures figures = new Figures(first, last, top, neverSeen, slope);

    List<Flag> flags = new ArrayList<>();
    if (t.minSteps() != null && rated >= t.minSteps()) {
      if (first != null && last >= first) {
        flags.add(new Flag(NO_CONVERGENCE, "the mean absolute TD error of the last third of the updates ("
            + shown(last) + ") is not below that of the first third (" + shown(first) + ") after " + rated
            + " rated steps"));
      }
      if (top != null && t.policyCollapseShare() != null && top > t.policyCollapseShare()) {
        String kind = topGreedyEdit().id();
        flags.add(new Flag(POLICY_COLLAPSE, "one kind of edit (" + kind + ") took " + percent(top)
            + " of the greedy steps, more than the limit of " + percent(t.policyCollapseShare())));
      }
      if (neverSeen != null && t.neverSeenStateShare() != null && neverSeen > t.neverSeenStateShare()) {
        flags.add(new Flag(STATE_SPACE_EXPLOSION, percent(neverSeen) + " of the updates credited a state never "
            + "seen before, more than the limit of " + percent(t.neverSeenStateShare())
            + ": the agent rarely meets a state twice"));
      }
      if (slope != null && t.ratingDriftPerEpisode() != null && slope < t.ratingDriftPerEpisode()) {
        flags.add(new Flag(RATING_DRIFT, "the mean rating fell by " + shown(-slope) + " points per episode, faster "
            + "than the limit of " + shown(-t.ratingDriftPerEpisode()) + ": the participant may be tiring"));
      }
    }
    return new Diagnostics(rated, figures, flags, t);
  }

  /** Least-squares slope of the mean rating over the episode numbers; null with fewer than two episodes. */
  private static Double slope(List<Episode> rated) {
    if (rated.size() < 2) {
      return null;
    }
    double mx = rated.stream().mapToDouble(Episode::episode).average().orElseThrow();
    double my = rated.stream().mapToDouble(Episode::meanRating).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    for (Episode e : rated) {
      sxy += (e.episode() - mx) * (e.meanRating() - my);
      sxx += (e.episode() - mx) * (e.episode() - mx);
    }
    return sxy / sxx;
  }

  private static String shown(double value) {
    return String.format(java.util.Locale.ROOT, "%.2f", value);
  }

  private static String percent(double share) {
    return String.format(java.util.Locale.ROOT, "%.0f%%", share * 100);
  }

  /**
   * The fold itself, an event at a time, for readers that see each participant's events pass by (the export);
   * without {@code keepSteps} it keeps no per-step rows (and no tracks), only what the figures need.
   */
  public static final class Fold {
    private final boolean keepSteps;
    private ParticipantEnrolled enrolment;
    private StartParameters chosen;
    private StartParameters parameters;
    private EditBounds bounds;
    private Learnt learnt;
    private Track current;
    private Instant presentedAt;
    private ActionChosen action;
    private Pending pending;
    private final List<Step> steps = new ArrayList<>();
    private final List<Update> updates = new ArrayList<>();
    private final Set<String> states = new HashSet<>();
    private final Set<QKey> keys = new HashSet<>();
    private int revisited;
    private int greedy;
    private int informed;
    private final Map<Integer, EpisodeCount> episodes = new TreeMap<>();
    private final Map<Edit, Integer> chosenByKind = new EnumMap<>(Edit.class);
    private final Map<Edit, Integer> greedyByKind = new EnumMap<>(Edit.class);
    private Long lastPosition;

    public Fold(boolean keepSteps) {
      this.keepSteps = keepSteps;
    }

    private record Pending(long position, TrackRated rated, Track track, int tempo, Instant presentedAt,
                           ActionChosen action, EditBounds bounds) {}

    private static final class EpisodeCount {
      long sum;
      int ratings;
      int explored;
      int exploited;
    }

    public Fold next(long position, ParticipantEvent event) {
      lastPosition = position;
      switch (event) {
        case ParticipantEnrolled e -> enrolment = e;
        case StartParametersChosen e -> {
          chosen = e.parameters();
          parameters = chosen;
          bounds = enrolment.settings().bounds(parameters);
          learnt = Learning.start(enrolment.settings().agent());
        }
        case EpisodeStarted e -> {
          parameters = e.baseNote() == null ? chosen
              : new StartParameters(e.baseNote(), chosen.scale(), chosen.length(), chosen.tempo());
          bounds = enrolment.settings().bounds(parameters);
          current = e.track();
          action = null;
        }
        case ActionChosen e -> {
          action = e;
          if (!e.explored()) {
            greedy++;
            if (Learning.informed(learnt, current, parameters, bounds, enrolment.settings().agent())) {
              informed++;
            }
          }
        }
        case TrackPresented e -> {
          current = e.track();
          presentedAt = e.presentedAt();
        }
        case TrackRated e -> {
          flush();
          EpisodeCount count = episode(e.episode());
          count.sum += e.rating();
          count.ratings++;
          ActionChosen taken = action != null && action.episode() == e.episode() && action.step() == e.step()
              && e.step() > 0 ? action : null;
          // Explore, exploit and the kinds of edit count rated edits, so they add up to an episode's rated edits.
          if (taken != null) {
            chosenByKind.merge(taken.action().edit(), 1, Integer::sum);
            if (taken.explored()) {
              count.explored++;
            } else {
              count.exploited++;
              greedyByKind.merge(taken.action().edit(), 1, Integer::sum);
            }
          }
          pending = new Pending(position, e, current, parameters.tempo(), presentedAt, taken, bounds);
        }
        case QValueUpdated e -> {
          boolean revisit = !states.add(e.state());
          if (revisit) {
            revisited++;
          }
          keys.add(new QKey(e.state(), e.action()));
          learnt = ParticipantDecider.update(e).applyTo(learnt);
          double tdError = e.tdError() != null ? e.tdError()
              : (e.terminal() ? e.reward() : e.reward() + e.gamma() * e.maxNext()) - e.before();
          boolean ours = pending != null && pending.rated().episode() == e.episode()
              && pending.rated().step() == e.step();
          updates.add(new Update(position, e.episode(), e.step(), e.state(), e.action(),
              ours ? pending.rated().rating() : null, e.reward(), e.before(), e.after(), tdError));
          if (ours) {
            step(pending, e, tdError, revisit);
            pending = null;
          }
        }
        default -> { }
      }
      return this;
    }

    public LearningTrace result() {
      flush();
      return new LearningTrace(this);
    }

    private EpisodeCount episode(int n) {
      return episodes.computeIfAbsent(n, k -> new EpisodeCount());
    }

    /** A rating whose update never came (a fresh track, or a stream cut short) is a step without one. */
    private void flush() {
      if (pending != null) {
        step(pending, null, null, null);
        pending = null;
      }
    }

    private void step(Pending p, QValueUpdated u, Double tdError, Boolean revisit) {
      if (!keepSteps) {
        return;
      }
      TrackRated r = p.rated();
      ActionChosen a = p.action();
      steps.add(new Step(p.position(), r.episode(), r.step(), p.track(), p.tempo(), p.presentedAt(),
          a == null ? null : a.action(), a == null || p.bounds() == null ? null : a.action().inWords(p.bounds()),
          a == null ? null : a.explored(), a == null ? null : a.epsilon(), r.rating(), r.millisToRate(),
          r.clientMillisToRate(), r.heardShare(), u == null ? null : u.reward(), u == null ? null : u.before(),
          u == null ? null : u.after(), tdError, u == null ? null : u.state(), keys.size(), revisit,
          updates.isEmpty() ? 0.0 : (double) revisited / updates.size()));
    }
  }
}
