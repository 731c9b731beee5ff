package io.flotilla.raft;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import java.io.RandomAccessFile;
import java.time.Clock;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

import static com.tngtech.archunit.base.DescribedPredicate.anyElementThat;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameStartingWith;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering rules of STYLE.md, checked on the main classes of raft-core: protobuf stays in the
 * codec, and the deterministic packages (the core and the values it computes with) use no thread,
 * clock, file, socket or unseeded randomness.
 *
 * <p>Every rule fails on an empty selection ({@code allowEmptyShould(false)}), and
 * {@link #guardedPackagesHoldClasses} checks each guarded package on its own, so that no rule can
 * pass because a package was renamed or moved.
 */
@AnalyzeClasses(packages = "io.flotilla.raft", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String CODEC = "io.flotilla.raft.codec..";
    private static final String[] DETERMINISTIC = {
            "io.flotilla.raft.core..", "io.flotilla.raft.message..", "io.flotilla.raft.log.."};
    private static final DescribedPredicate<JavaClass> PROTOBUF =
            resideInAnyPackage("com.google.protobuf..", "io.flotilla.raft.codec.proto..");

    @ArchTest
    static final ArchRule protobufStaysInTheCodec = noClasses()
            .that().resideOutsideOfPackage(CODEC)
            .should().dependOnClassesThat(PROTOBUF)
            .because("protobuf lives only in io.flotilla.raft.codec (STYLE.md)")
            .allowEmptyShould(false);

    @ArchTest
    static final ArchRule codecApiSpeaksOnlyFlotillaTypes = methods()
            .that().arePublic()
            .and().areDeclaredInClassesThat().arePublic()
            .and().areDeclaredInClassesThat().resideInAPackage("io.flotilla.raft.codec")
            .should().notHaveRawReturnType(PROTOBUF)
            .andShould().notHaveRawParameterTypes(anyElementThat(PROTOBUF))
            .because("the codec's callers see records and bytes, never protobuf (STYLE.md)")
            .allowEmptyShould(false);

    @ArchTest
    static final ArchRule deterministicPackagesStartNoThreads = noClasses()
            .that().resideInAnyPackage(DETERMINISTIC)
            .should().dependOnClassesThat().belongToAnyOf(Thread.class)
            .orShould().dependOnClassesThat().resideInAPackage("java.util.concurrent..")
            .because("the core computes and does nothing; the runtime owns the threads (STYLE.md)")
            .allowEmptyShould(false);

    @ArchTest
    static final ArchRule deterministicPackagesTouchNoFilesOrNetwork = noClasses()
            .that().resideInAnyPackage(DETERMINISTIC)
            .should().dependOnClassesThat(resideInAPackage("java.io").and(simpleNameStartingWith("File"))
                    .or(type(RandomAccessFile.class))
                    .or(resideInAnyPackage("java.nio.file..", "java.nio.channels..", "java.net.."))
                    .as("are java.io.File*, RandomAccessFile or in java.nio.file, java.nio.channels, java.net"))
            .because("every write leaves the core as an effect for the driver (STYLE.md)")
            .allowEmptyShould(false);

    @ArchTest
    static final ArchRule deterministicPackagesReadNoClock = noClasses()
            .that().resideInAnyPackage(DETERMINISTIC)
            .should().callMethod(System.class, "currentTimeMillis")
            .orShould().callMethod(System.class, "nanoTime")
            .orShould().dependOnClassesThat().belongToAnyOf(Instant.class, Clock.class, InstantSource.class)
            .orShould().callMethodWhere(target(name("now")).and(target(owner(resideInAPackage("java.time..")))))
            .because("time reaches the core only as tick() calls, so the simulator can drive it (STYLE.md)")
            .allowEmptyShould(false);

    @ArchTest
    static final ArchRule deterministicPackagesUseOnlyAGivenRandomGenerator = noClasses()
            .that().resideInAnyPackage(DETERMINISTIC)
            .should().dependOnClassesThat(assignableTo(Random.class)  // Random, SecureRandom, ThreadLocalRandom
                    .or(type(SplittableRandom.class)).or(type(RandomGeneratorFactory.class))
                    .as("are java.util.Random or a subclass, SplittableRandom or RandomGeneratorFactory"))
            .orShould().callMethodWhere(target(name("getDefault").or(name("of")))
                    .and(target(owner(type(RandomGenerator.class)))))
            .orShould().callMethod(Math.class, "random")
            .orShould().callMethod(StrictMath.class, "random")
            .orShould().callMethod(UUID.class, "randomUUID")
            .orShould().callMethod(Collections.class, "shuffle", List.class)
            .because("randomness is a seeded RandomGenerator handed in, so every run replays (STYLE.md)")
            .allowEmptyShould(false);

    /** The rules above select packages by name; make sure each one still holds classes to check. */
    @ArchTest
    static void guardedPackagesHoldClasses(JavaClasses classes) {
        for (String pkg : List.of("io.flotilla.raft.core", "io.flotilla.raft.message", "io.flotilla.raft.log",
                "io.flotilla.raft.codec", "io.flotilla.raft.codec.proto")) {
            assertThat(classes.stream().anyMatch(c -> c.getPackageName().equals(pkg)))
                    .as("main classes in package %s", pkg)
                    .isTrue();
        }
    }
}
