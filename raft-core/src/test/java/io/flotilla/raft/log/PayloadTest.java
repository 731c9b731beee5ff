package io.flotilla.raft.log;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Payload is a value: copies in, copies out, equal by bytes. */
class PayloadTest {
    @Test
    void copyOfABufferTakesItsRemainingBytesAndLeavesItAlone() {
        ByteBuffer buffer = ByteBuffer.wrap("xxhello".getBytes(StandardCharsets.UTF_8));
        buffer.position(2);

        Payload p = Payload.copyOf(buffer);

        assertThat(p).isEqualTo(Payload.ofUtf8("hello"));
        assertThat(buffer.position()).isEqualTo(2);
        buffer.put(2, (byte) 'j');
        assertThat(p.toStringUtf8()).isEqualTo("hello"); // a copy: later changes to the buffer do not show
        assertThat(Payload.copyOf(ByteBuffer.allocate(0))).isSameAs(Payload.EMPTY);
    }
}
