#!/usr/bin/env bash
# Data-parallel training over MPI (`mpirun -np 2 ismooth train ... --batch N`,
# docs/network.md "Training on several machines"), one case per CTest test:
#
#   test_train_mpi.sh ISMOOTH WITH_MPI CASE
#
# WITH_MPI is the build's ISMOOTH_WITH_MPI: OFF (or no mpirun) skips with
# exit 77. Two ranks on a 2-core machine need --oversubscribe; as root, Open
# MPI needs OMPI_ALLOW_RUN_AS_ROOT*. Every rank runs one thread, as does the
# single-process reference.
#
# Equivalence tolerance: with N = 2 crops on 2 ranks each rank holds one
# crop's gradient and the allreduce adds two floats, g0 + g1 = g1 + g0
# exactly, so the weights must be bit-identical to one process with
# --batch 2 (compared as model files, byte for byte). With more crops per
# rank the sum is reassociated and the weights may differ in the last bits.
set -uo pipefail

tool=${1:?usage: test_train_mpi.sh ISMOOTH WITH_MPI CASE}
with_mpi=${2:?usage: test_train_mpi.sh ISMOOTH WITH_MPI CASE}
case_name=${3:?usage: test_train_mpi.sh ISMOOTH WITH_MPI CASE}
photos=/usr/lib/python3/dist-packages/skimage/data
py=/usr/bin/python3

case ${with_mpi^^} in
  ON | TRUE | YES | 1) ;;
  *) echo "skipped: ismooth was built without MPI (ISMOOTH_MPI; ./install-deps.sh installs Open MPI)"; exit 77 ;;
esac
command -v mpirun >/dev/null || { echo "skipped: no mpirun on PATH (openmpi-bin)"; exit 77; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-train-mpi.XXXXXX")
child=
cleanup() {
  [[ -n $child ]] && kill "$child" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI's shared-memory transport warns about /dev/shm sizes in
# containers; the TCP/self transports suffice here.
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }
source "$here/common.sh"
have_pil=0  # common.sh's crops: photos through PIL, else synthetic pictures
if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import PIL.Image' 2>/dev/null &&
  [[ -f $photos/chelsea.png ]]; then
  have_pil=1
fi

make_fixtures() {
  mkdir -p train val
  photo="$photos/chelsea.png" make_photo_crop train/cat.png 40 120 72 96
  photo="$photos/coffee.png" make_photo_crop train/coffee.png 80 200 64 80
  photo="$photos/rocket.jpg" make_photo_crop train/rocket.png 100 150 64 64
  photo="$photos/motorcycle_left.png" make_photo_crop val/moto.png 180 300 48 48
  photo="$photos/motorcycle_right.png" make_photo_crop val/moto2.png 180 300 48 48
}

TINY=(--width 4 --dilations 1,2 --crop 32 --val-crop 32 --threads 1 --seed 5 --progress 0)
ranks() { timeout 120 mpirun --oversubscribe -np "$1" "${@:2}"; }

case $case_name in
  mpi_equivalence)
    # 2 ranks x 1 crop = 1 process x 2 crops, after 8 updates with two
    # validations; then a run of 2 ranks stopped midway (--stop-after 0) is
    # resumed by one process (same N, other R) and still ends identical.
    make_fixtures
    args=(--data train --val val "${TINY[@]}" --epochs 2 --steps-per-epoch 4 --batch 2)
    "$tool" train "${args[@]}" --out serial.isn --log serial.csv >/dev/null 2>serial.txt ||
      fail "one process failed: $(cat serial.txt)"
    ranks 2 "$tool" train "${args[@]}" --out mpi.isn --log mpi.csv >stdout.txt 2>stderr.txt ||
      fail "mpirun -np 2 failed: $(cat stderr.txt)"
    cat stderr.txt stdout.txt
    grep -q 'x 2 MPI ranks' stderr.txt || fail "no 'x 2 MPI ranks' in the header: $(head -3 stderr.txt)"
    (($(grep -c '^network:' stderr.txt) == 1)) || fail "more than rank 0 printed the header"
    cmp -s serial.isn mpi.isn || fail "2 ranks x 1 crop differ from 1 process x 2 crops"
    # The logs agree but for the time columns and the validation (summed in
    # another order): compare the energies column.
    cut -d, -f1-3 serial.csv >a.txt && cut -d, -f1-3 mpi.csv >b.txt
    cmp -s a.txt b.txt || fail "the logged energies differ: $(diff a.txt b.txt | head)"
    note "2 ranks give the single process's model byte for byte"

    ranks 2 "$tool" train "${args[@]}" --out part.isn --stop-after 0 >/dev/null 2>part.txt ||
      fail "stopped run failed: $(cat part.txt)"
    "$tool" train "${args[@]}" --out part.isn --resume >/dev/null 2>resume.txt ||
      fail "one process could not resume the 2 ranks' checkpoint: $(cat resume.txt)"
    cmp -s part.isn serial.isn || fail "2 ranks stopped + 1 process resumed differ from the straight run"
    "$tool" train "${args[@]}" --batch 4 --out part.isn --resume >/dev/null 2>err.txt &&
      fail "a resume with another --batch was accepted"
    grep -q 'batch: checkpoint 2, now 4' err.txt || fail "unclear refusal: $(cat err.txt)"
    note "resumed across R = 2 -> 1 with the same N; another N refused"
    ;;

  mpi_refused)
    # Bad combinations end every rank before any work, with a message.
    make_fixtures
    args=(--data train "${TINY[@]}" --epochs 1 --steps-per-epoch 2)
    ranks 2 "$tool" train "${args[@]}" --batch 3 --out m.isn >stdout.txt 2>stderr.txt &&
      fail "--batch 3 on 2 ranks was accepted"
    grep -q 'must be a multiple of the number of ranks (2)' stderr.txt ||
      fail "no clear message for R not dividing N: $(cat stderr.txt)"
    [[ ! -e m.isn && ! -e m.isn.ckpt ]] || fail "a refused run wrote files"
    # Rank 1 is given another seed: the settings hash differs.
    cat >launch.sh <<SH
#!/usr/bin/env bash
seed=5; [[ \${OMPI_COMM_WORLD_RANK:-0} == 1 ]] && seed=6
exec "$tool" train ${args[*]} --seed \$seed --out m.isn
SH
    chmod +x launch.sh
    ranks 2 ./launch.sh >stdout.txt 2>stderr.txt && fail "ranks with different seeds were accepted"
    grep -q 'were given different settings' stderr.txt ||
      fail "no clear message for mismatched ranks: $(cat stderr.txt)"
    [[ ! -e m.isn && ! -e m.isn.ckpt ]] || fail "a refused run wrote files"
    note "refused: R not dividing N, different settings across ranks"
    ;;

  mpi_sigterm | mpi_rank_killed)
    # The job ends within a bounded time, the last checkpoint rank 0 wrote is
    # complete, and --resume (same command) ends with the straight run's
    # model — after SIGTERM to mpirun (mpi_sigterm), or after rank 1 dies
    # with no chance to clean up (SIGKILL to it: Open MPI ends the job).
    make_fixtures
    args=(--data train "${TINY[@]}" --epochs 2 --steps-per-epoch 200 --batch 2)
    "$tool" train "${args[@]}" --out straight.isn >/dev/null 2>straight.txt ||
      fail "straight run failed: $(cat straight.txt)"
    cat >launch.sh <<SH
#!/usr/bin/env bash
echo \$\$ >rank\${OMPI_COMM_WORLD_RANK:-0}.pid
exec "$tool" train ${args[*]} --checkpoint-minutes 0.002 --out m.isn
SH
    chmod +x launch.sh
    mpirun --oversubscribe -np 2 ./launch.sh >stdout.txt 2>stderr.txt &
    child=$!
    for _ in $(seq 1 300); do
      [[ -s m.isn.ckpt && -s rank1.pid ]] && grep -q '^epoch .* step [1-9]' stderr.txt 2>/dev/null && break
      sleep 0.1
    done
    [[ -s m.isn.ckpt && -s rank1.pid ]] || fail "no checkpoint after 30 s: $(cat stderr.txt)"
    if [[ $case_name == mpi_sigterm ]]; then
      what="SIGTERM to mpirun" && kill -TERM "$child"
    else
      what="SIGKILL to rank 1" && kill -KILL "$(cat rank1.pid)"
    fi
    for _ in $(seq 1 200); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$child" 2>/dev/null && fail "the job still runs 20 s after $what"
    wait "$child"
    rc=$?
    child=
    tail -n 5 stderr.txt
    ((rc != 0)) || fail "the job exited 0 after $what"
    [[ ! -e m.isn ]] || fail "the job wrote the model after $what"
    "$tool" train "${args[@]}" --out m.isn --resume >stdout.txt 2>stderr.txt ||
      fail "resume after $what failed: $(cat stderr.txt)"
    cmp -s m.isn straight.isn || fail "ended + resumed model differs from the straight run"
    note "$what ended the job (exit $rc); the resumed model equals the straight run's"
    ;;

  *)
    fail "unknown case"
    ;;
esac
