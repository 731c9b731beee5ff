package io.flotilla.raft.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class MembershipTest {
    private static final Membership THREE = Membership.ofVoters(List.of(1L, 2L, 3L));

    // ---- construction and validation -------------------------------------------------------------------------

    @Test
    void idsAreSortedAndAddressesOrderedById() {
        Map<Long, String> addresses = new HashMap<>();
        addresses.put(5L, "e:5");
        addresses.put(1L, "a:1");
        addresses.put(3L, "c:3");
        Membership m = new Membership(List.of(3L, 1L, 2L), List.of(5L, 4L), addresses);

        assertThat(m.voters()).containsExactly(1L, 2L, 3L);
        assertThat(m.learners()).containsExactly(4L, 5L);
        assertThat(m.addresses().keySet()).containsExactly(1L, 3L, 5L);
        assertThat(m).isEqualTo(new Membership(List.of(1L, 2L, 3L), List.of(4L, 5L),
                new TreeMap<>(Map.of(1L, "a:1", 3L, "c:3", 5L, "e:5"))));
    }

    @Test
    void inputsAreCopiedAndTheResultIsImmutable() {
        List<Long> voters = new ArrayList<>(List.of(1L, 2L));
        List<Long> learners = new ArrayList<>(List.of(3L));
        Map<Long, String> addresses = new HashMap<>(Map.of(1L, "a:1"));
        Membership m = new Membership(voters, learners, addresses);
        voters.add(9L);
        learners.clear();
        addresses.put(2L, "b:2");

        assertThat(m).isEqualTo(new Membership(List.of(1L, 2L), List.of(3L), Map.of(1L, "a:1")));
        assertThatThrownBy(() -> m.voters().add(4L)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.learners().add(4L)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.addresses().put(3L, "c:3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void ofVotersHasNoLearnersAndNoAddresses() {
        assertThat(THREE.learners()).isEmpty();
        assertThat(THREE.addresses()).isEmpty();
        assertThat(THREE).isEqualTo(new Membership(List.of(3L, 2L, 1L), List.of(), Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidMemberships")
    void invalidMembershipIsRejected(String name, List<Long> voters, List<Long> learners, Map<Long, String> addresses,
                                     String expected) {
        assertThatThrownBy(() -> new Membership(voters, learners, addresses))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expected);
    }

    static Stream<Arguments> invalidMemberships() {
        Map<Long, String> nullAddress = new HashMap<>();
        nullAddress.put(1L, null);
        return Stream.of(
                arguments("no voters", List.of(), List.of(), Map.of(), "a membership needs at least one voter"),
                arguments("only learners", List.of(), List.of(1L), Map.of(), "a membership needs at least one voter"),
                arguments("voter 0", List.of(0L, 1L), List.of(), Map.of(), "voters must be positive node ids, found 0"),
                arguments("negative voter", List.of(1L, -4L), List.of(), Map.of(),
                        "voters must be positive node ids, found -4"),
                arguments("learner 0", List.of(1L), List.of(0L), Map.of(), "learners must be positive node ids, found 0"),
                arguments("voter twice", List.of(2L, 1L, 2L), List.of(), Map.of(), "voters lists node 2 twice"),
                arguments("learner twice", List.of(1L), List.of(3L, 3L), Map.of(), "learners lists node 3 twice"),
                arguments("learner also a voter", List.of(1L, 2L), List.of(2L), Map.of(),
                        "node 2 cannot be both a voter and a learner"),
                arguments("address of a non-member", List.of(1L), List.of(2L), Map.of(3L, "c:3"),
                        "address given for node 3, which is not a member"),
                arguments("empty address", List.of(1L), List.of(), Map.of(1L, ""), "the address of node 1 is empty"),
                arguments("blank address", List.of(1L), List.of(2L), Map.of(2L, " \t"), "the address of node 2 is empty"),
                arguments("null address", List.of(1L), List.of(), nullAddress, "the address of node 1 is empty"));
    }

    @Test
    void nullListsAndMapsAreRejected() {
        assertThatThrownBy(() -> new Membership(null, List.of(), Map.of())).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("voters");
        assertThatThrownBy(() -> new Membership(List.of(1L), null, Map.of())).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("learners");
        assertThatThrownBy(() -> new Membership(List.of(1L), List.of(), null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("addresses");
    }

    // ---- queries -----------------------------------------------------------------------------------------------

    /** A majority of the voters; learners never count (thesis §4.2.1). */
    @ParameterizedTest(name = "{0} voters, {1} learners: quorum {2}")
    @CsvSource({"1, 0, 1", "2, 0, 2", "3, 0, 2", "4, 0, 3", "5, 0, 3", "6, 0, 4", "7, 0, 4", "1, 3, 1", "3, 4, 2"})
    void quorumIsAMajorityOfTheVotersOnly(int voters, int learners, int quorum) {
        List<Long> v = new ArrayList<>();
        for (long id = 1; id <= voters; id++) {
            v.add(id);
        }
        List<Long> l = new ArrayList<>();
        for (long id = voters + 1; id <= voters + learners; id++) {
            l.add(id);
        }
        assertThat(new Membership(v, l, Map.of()).quorum()).isEqualTo(quorum);
    }

    @Test
    void rolesAndMembersAreReported() {
        Membership m = new Membership(List.of(2L, 1L), List.of(7L, 5L), Map.of());

        assertThat(m.isVoter(1)).isTrue();
        assertThat(m.isVoter(5)).isFalse();
        assertThat(m.isLearner(5)).isTrue();
        assertThat(m.isLearner(2)).isFalse();
        assertThat(m.isMember(7)).isTrue();
        assertThat(m.isMember(3)).isFalse();
        assertThat(m.isMember(0)).isFalse();
        assertThat(m.members()).as("voters first, each ascending").containsExactly(1L, 2L, 5L, 7L);
    }

    // ---- changes, one server at a time (thesis §4.1) -------------------------------------------------------------

    @Test
    void withLearnerAddsANonVotingMemberWithItsAddress() {
        Membership m = THREE.withLearner(4, "d:4");

        assertThat(m.voters()).containsExactly(1L, 2L, 3L);
        assertThat(m.learners()).containsExactly(4L);
        assertThat(m.addresses()).containsExactlyEntriesOf(Map.of(4L, "d:4"));
        assertThat(m.quorum()).isEqualTo(THREE.quorum());
        assertThat(THREE.learners()).as("the original is unchanged").isEmpty();
    }

    @Test
    void withLearnerWithoutAddressAddsNoAddress() {
        Membership m = THREE.withLearner(4, null);

        assertThat(m.learners()).containsExactly(4L);
        assertThat(m.addresses()).isEmpty();
    }

    @Test
    void withLearnerRejectsAMemberAndABadId() {
        Membership m = THREE.withLearner(4, null);

        assertThatThrownBy(() -> m.withLearner(2, "b:2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node 2 is already a voter");
        assertThatThrownBy(() -> m.withLearner(4, "d:4")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node 4 is already a learner");
        assertThatThrownBy(() -> m.withLearner(0, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("learners must be positive node ids, found 0");
        assertThatThrownBy(() -> m.withLearner(5, " ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the address of node 5 is empty");
    }

    @Test
    void promoteMakesALearnerAVoterAndKeepsItsAddress() {
        Membership m = THREE.withLearner(4, "d:4").promote(4);

        assertThat(m.voters()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(m.learners()).isEmpty();
        assertThat(m.addresses()).containsExactlyEntriesOf(Map.of(4L, "d:4"));
        assertThat(m.quorum()).isEqualTo(3);
    }

    @Test
    void promoteRejectsAVoterAndANonMember() {
        assertThatThrownBy(() -> THREE.promote(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node 2 is not a learner (it is a voter)");
        assertThatThrownBy(() -> THREE.promote(9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node 9 is not a learner");
    }

    @Test
    void removeDropsAVoterOrALearnerWithItsAddress() {
        Membership m = new Membership(List.of(1L, 2L, 3L), List.of(4L), Map.of(2L, "b:2", 4L, "d:4"));

        Membership withoutVoter = m.remove(2);
        assertThat(withoutVoter.voters()).containsExactly(1L, 3L);
        assertThat(withoutVoter.learners()).containsExactly(4L);
        assertThat(withoutVoter.addresses()).containsExactlyEntriesOf(Map.of(4L, "d:4"));

        Membership withoutLearner = m.remove(4);
        assertThat(withoutLearner.voters()).containsExactly(1L, 2L, 3L);
        assertThat(withoutLearner.learners()).isEmpty();
        assertThat(withoutLearner.addresses()).containsExactlyEntriesOf(Map.of(2L, "b:2"));
    }

    @Test
    void removeRejectsANonMemberAndTheLastVoter() {
        Membership one = new Membership(List.of(1L), List.of(2L), Map.of());

        assertThatThrownBy(() -> THREE.remove(9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node 9 is not a member");
        assertThatThrownBy(() -> one.remove(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node 1 is the last voter");
        assertThat(one.remove(2)).isEqualTo(Membership.ofVoters(List.of(1L)));
    }

    /**
     * Thesis §4.1: a change of one server at a time keeps every majority of the old voters overlapping every majority
     * of the new, so the two configurations cannot elect two leaders in one term. Checked over random sequences of
     * {@code withLearner}, {@code promote} and {@code remove} against a naive oracle: the voter sets differ by at
     * most one server, and the two quorums together exceed the voters of both.
     */
    @Test
    void everySingleChangeKeepsOldAndNewMajoritiesOverlapping() {
        long seed = Long.getLong("flotilla.membership.seed", 0x3E3B_E125L);
        Random random = new Random(seed);
        int changes = 0;
        for (int run = 0; run < 200; run++) {
            Membership m = Membership.ofVoters(List.of(1L));
            long nextId = 2;
            for (int step = 0; step < 50; step++) {
                Membership next;
                int op = random.nextInt(3);
                if (op == 0 || m.learners().isEmpty() && m.voters().size() == 1) {
                    next = m.withLearner(nextId, random.nextBoolean() ? "n" + nextId + ":7000" : null);
                    nextId++;
                } else if (op == 1 && !m.learners().isEmpty()) {
                    next = m.promote(m.learners().get(random.nextInt(m.learners().size())));
                } else {
                    List<Long> removable = new ArrayList<>(m.members());
                    if (m.voters().size() == 1) {
                        removable.removeAll(m.voters());
                    }
                    next = m.remove(removable.get(random.nextInt(removable.size())));
                }
                String context = "seed " + seed + " (-Dflotilla.membership.seed=" + seed + "), run " + run + ", step "
                        + step + ": " + m + " -> " + next;
                Set<Long> union = new HashSet<>(m.voters());
                union.addAll(next.voters());
                Set<Long> difference = new HashSet<>(union);
                difference.removeAll(intersection(m.voters(), next.voters()));
                assertThat(difference.size()).as(context).isLessThanOrEqualTo(1);
                assertThat(m.quorum() + next.quorum()).as(context).isGreaterThan(union.size());
                assertThat(next.addresses().keySet()).as(context).allMatch(next::isMember);
                m = next;
                changes++;
            }
        }
        assertThat(changes).isEqualTo(200 * 50);
    }

    private static Set<Long> intersection(List<Long> a, List<Long> b) {
        Set<Long> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }
}
