/**
 * The sound-check page: plays a fixed test track through the study's player, part by part. It also exposes
 * the player's offline render on `window.tuneloopSound`, which the browser tests use to check that what
 * participants hear has sound at every onset and silence where the track is silent.
 */
import './style.css';
import { byId } from './dom.ts';
import { timeline, type Playable } from './music.ts';
import { LivePlayer, RING, renderOffline, type Part } from './player.ts';
import { status } from './status.ts';

const TEST_TRACK: Playable = {
  tempo: 100,
  notes: [
    { pitch: 60, beats: 0.5, drum: 35 }, { pitch: 64, beats: 0.5, drum: 38 }, { pitch: 67, beats: 0.5, drum: 35 },
    { pitch: 72, beats: 0.5, drum: 38 }, { pitch: 67, beats: 0.25, drum: 42 }, { pitch: 64, beats: 0.25, drum: 42 },
    { pitch: 60, beats: 1, drum: 49 },
  ],
};

const player = new LivePlayer();

async function play(parts: readonly Part[], label: string): Promise<void> {
  player.unlock();
  const ok = await player.play(TEST_TRACK, parts);
  status(ok ? `Playing: ${label}.` : 'The browser did not start the sound: check that the tab is not muted.',
    ok ? 'info' : 'unsaved');
}

byId('play-both').addEventListener('click', () => void play(['melody', 'percussion'], 'melody and drums'));
byId('play-melody').addEventListener('click', () => void play(['melody'], 'melody only'));
byId('play-percussion').addEventListener('click', () => void play(['percussion'], 'drums only'));

(window as unknown as { tuneloopSound: unknown }).tuneloopSound = {
  renderOffline, timeline, RING, TEST_TRACK,
  audioState: () => player.audioState(),
  level: () => player.level(),
};
