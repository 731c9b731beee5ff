package io.flotilla.raft.transport.netty;

import io.flotilla.raft.codec.MessageCodec;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.RequestVote;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The planned wire framing: a 4-byte length prefix around each encoded message, with a maximum frame size. */
class FramingTest {
    private static final int MAX_FRAME = 1024;

    @Test
    void aMessageSplitAcrossReadsIsReassembledAndDecoded() {
        Message vote = new RequestVote(1, 2, 3, 7, 40, 6);
        EmbeddedChannel out = new EmbeddedChannel(new LengthFieldPrepender(4));
        out.writeOutbound(Unpooled.wrappedBuffer(MessageCodec.encode(vote)));
        ByteBuf framed = out.readOutbound();
        ByteBuf body = out.readOutbound();
        ByteBuf wire = Unpooled.wrappedBuffer(framed, body);

        EmbeddedChannel in = new EmbeddedChannel(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4));
        in.writeInbound(wire.readRetainedSlice(3));
        assertThat((Object) in.readInbound()).isNull();
        in.writeInbound(wire.readRetainedSlice(wire.readableBytes()));
        ByteBuf frame = in.readInbound();
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        frame.release();
        wire.release();
        assertThat(MessageCodec.decode(bytes)).isEqualTo(vote);
    }

    @Test
    void anOversizedFrameIsRefused() {
        EmbeddedChannel in = new EmbeddedChannel(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4));
        ByteBuf huge = Unpooled.buffer().writeInt(MAX_FRAME + 1).writeZero(16);
        assertThatThrownBy(() -> in.writeInbound(huge)).isInstanceOf(TooLongFrameException.class);
    }
}
