package io.flotilla.raft.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CoreConfig} explains itself (STYLE.md, "Errors and configuration"): it is validated up front, and every
 * error names the field, the value and the constraint.
 */
class CoreConfigTest {
    private static final List<Long> THREE = List.of(1L, 2L, 3L);

    private static CoreConfig config(long groupId, long id, List<Long> voters, int electionTicks, int heartbeatTicks,
                                     long maxAppendBytes, int maxInflightAppends) {
        return new CoreConfig(groupId, id, voters, electionTicks, heartbeatTicks, maxAppendBytes, maxInflightAppends,
                BrokenRule.NONE);
    }

    private static Arguments invalid(String field, String value, Supplier<CoreConfig> build) {
        return Arguments.of(field, value, build);
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                invalid("groupId", "-1", () -> config(-1, 1, THREE, 10, 1, 1, 1)),
                invalid("id", "0", () -> config(0, 0, THREE, 10, 1, 1, 1)),
                invalid("id", "-7", () -> config(0, -7, THREE, 10, 1, 1, 1)),
                invalid("voters", "empty", () -> config(0, 1, List.of(), 10, 1, 1, 1)),
                invalid("voters", "0", () -> config(0, 1, List.of(1L, 0L), 10, 1, 1, 1)),
                invalid("voters", "-5", () -> config(0, 1, List.of(1L, -5L), 10, 1, 1, 1)),
                invalid("electionTicks", "1", () -> config(0, 1, THREE, 1, 1, 1, 1)),
                invalid("electionTicks", "0", () -> config(0, 1, THREE, 0, 1, 1, 1)),
                invalid("heartbeatTicks", "0", () -> config(0, 1, THREE, 10, 0, 1, 1)),
                invalid("heartbeatTicks", "10", () -> config(0, 1, THREE, 10, 10, 1, 1)),
                invalid("heartbeatTicks", "11", () -> config(0, 1, THREE, 10, 11, 1, 1)),
                invalid("maxAppendBytes", "0", () -> config(0, 1, THREE, 10, 1, 0, 1)),
                invalid("maxAppendBytes", "-1", () -> config(0, 1, THREE, 10, 1, -1, 1)),
                invalid("maxInflightAppends", "0", () -> config(0, 1, THREE, 10, 1, 1, 0)),
                invalid("maxInflightAppends", "-3", () -> config(0, 1, THREE, 10, 1, 1, -3)),
                invalid("heartbeatTicks", "5", () -> CoreConfig.of(0, 1, THREE).withTicks(5, 5)),
                invalid("maxAppendBytes", "0", () -> CoreConfig.of(0, 1, THREE).withReplicationLimits(0, 1)));
    }

    /** Each constraint, violated alone, is rejected with a message that starts with the field and names the value. */
    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("invalidConfigs")
    void invalidFieldIsRejectedWithMessageNamingFieldAndValue(String field, String value, Supplier<CoreConfig> build) {
        assertThatThrownBy(build::get)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(field + " ")
                .hasMessageContaining(value);
    }

    @Test
    void heartbeatErrorStatesTheAllowedRange() {
        assertThatThrownBy(() -> config(0, 1, THREE, 10, 10, 1, 1))
                .hasMessage("heartbeatTicks must be in [1, electionTicks=10), was 10");
    }

    @Test
    void aNodeJoiningAGroupListsTheGroupsVotersWithoutItself() {
        assertThat(config(0, 4, List.of(3L, 2L, 1L), 10, 1, 1, 1).voters()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void nullVotersOrBrokenRuleAreRejected() {
        assertThatNullPointerException().isThrownBy(() -> config(0, 1, null, 10, 1, 1, 1)).withMessage("voters");
        assertThatNullPointerException()
                .isThrownBy(() -> new CoreConfig(0, 1, THREE, 10, 1, 1, 1, null)).withMessage("brokenRule");
    }

    /** The smallest legal value of every field is accepted. */
    @Test
    void boundaryValuesAreAccepted() {
        CoreConfig c = config(0, 1, List.of(1L), 2, 1, 1, 1);

        assertThat(c.voters()).containsExactly(1L);
        assertThat(c.electionTicks()).isEqualTo(2);
        assertThat(c.heartbeatTicks()).isEqualTo(1);
        assertThat(c.maxAppendBytes()).isEqualTo(1);
        assertThat(c.maxInflightAppends()).isEqualTo(1);
    }

    /** Voters are iterated in ascending order, each once (STYLE.md: iterate peers in id order). */
    @Test
    void votersAreSortedAndDeduplicated() {
        CoreConfig c = config(0, 2, List.of(5L, 3L, 2L, 5L, 3L, 9L), 10, 1, 1, 1);

        assertThat(c.voters()).containsExactly(2L, 3L, 5L, 9L);
        assertThat(c.quorum()).isEqualTo(3);
    }

    /** The configuration is immutable: a later change to the caller's list does not reach it. */
    @Test
    void votersAreCopiedAndUnmodifiable() {
        List<Long> mine = new ArrayList<>(THREE);
        CoreConfig c = config(0, 1, mine, 10, 1, 1, 1);
        mine.add(4L);

        assertThat(c.voters()).containsExactly(1L, 2L, 3L);
        assertThatThrownBy(() -> c.voters().add(7L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest(name = "{0} voters -> quorum {1}")
    @CsvSource({"1, 1", "2, 2", "3, 2", "4, 3", "5, 3", "6, 4", "7, 4"})
    void quorumIsMajorityOfVoters(int voters, int quorum) {
        CoreConfig c = CoreConfig.of(0, 1, LongStream.rangeClosed(1, voters).boxed().toList());

        assertThat(c.quorum()).isEqualTo(quorum);
    }

    /** The documented defaults: electionTicks 10, heartbeatTicks 1, maxAppendBytes 1 MiB, 256 in flight, no broken rule. */
    @Test
    void defaultsAreTheDocumentedOnes() {
        CoreConfig c = CoreConfig.of(4, 1, THREE);

        assertThat(c).isEqualTo(new CoreConfig(4, 1, THREE, 10, 1, 1 << 20, 256, BrokenRule.NONE));
    }

    /** Each {@code with...} copy changes only its own fields. */
    @Test
    void withersChangeOnlyTheirFields() {
        CoreConfig c = CoreConfig.of(4, 1, THREE);

        assertThat(c.withTicks(20, 4)).isEqualTo(new CoreConfig(4, 1, THREE, 20, 4, 1 << 20, 256, BrokenRule.NONE));
        assertThat(c.withReplicationLimits(100, 8)).isEqualTo(new CoreConfig(4, 1, THREE, 10, 1, 100, 8, BrokenRule.NONE));
        assertThat(c.withBrokenRule(BrokenRule.VOTE_TWICE_IN_A_TERM))
                .isEqualTo(new CoreConfig(4, 1, THREE, 10, 1, 1 << 20, 256, BrokenRule.VOTE_TWICE_IN_A_TERM));
    }
}
