import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describe as describeTrack, frequency, noteName, scaleLabel, scaleMeaning, secondsPerBeat, timeline,
} from '../../target/unit/music.js';

test('onsets follow the beats at the tempo', () => {
  const track = { tempo: 120, notes: [{ pitch: 60, beats: 1, drum: 35 }, { pitch: 62, beats: 0.5, drum: 0 },
    { pitch: 64, beats: 0.25, drum: 38 }] };
  const line = timeline(track);
  assert.deepEqual(line.notes.map((n) => n.onset), [0, 0.5, 0.75]);
  assert.deepEqual(line.notes.map((n) => n.duration), [0.5, 0.25, 0.125]);
  assert.equal(line.length, 0.875);
});

test('a faster tempo shortens the track in proportion', () => {
  const notes = [{ pitch: 60, beats: 0.75, drum: 35 }, { pitch: 67, beats: 0.25, drum: 38 }];
  assert.equal(timeline({ tempo: 90, notes }).length, 60 / 90);
  assert.equal(timeline({ tempo: 200, notes }).length, 60 / 200);
  assert.throws(() => secondsPerBeat(0), RangeError);
});

test('pitch names and frequencies', () => {
  assert.equal(noteName(60), 'C4');
  assert.equal(noteName(61), 'C♯4');
  assert.equal(noteName(36), 'C2');
  assert.equal(frequency(69), 440);
  assert.ok(Math.abs(frequency(60) - 261.6256) < 1e-3);
  assert.equal(describeTrack([{ pitch: 60, beats: 0.5, drum: 38 }, { pitch: 62, beats: 1, drum: 0 }]),
    'C4 ½+snare · D4 1');
});

test('every scale a protocol can name has a plain description for participants', () => {
  assert.equal(scaleMeaning('major'), 'Major: bright and settled, the do-re-mi scale.');
  for (const id of ['minor', 'diminished', 'blues-major', 'blues-minor']) {
    assert.match(scaleMeaning(id), new RegExp(`^${scaleLabel(id).replace(/[()]/g, '\\$&')}: \\w.+\\.$`), id);
  }
  assert.equal(scaleMeaning('lydian'), 'lydian.', 'an unknown scale is named, not explained');
});
