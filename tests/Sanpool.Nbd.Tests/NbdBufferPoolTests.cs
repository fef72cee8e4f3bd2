namespace Sanpool.Nbd.Tests;

public sealed class NbdBufferPoolTests
{
    [Theory]
    [InlineData(1, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 8192)]
    [InlineData(1 << 20, 1 << 20)]
    [InlineData((1 << 25) - 1, 1 << 25)]
    public void Buffers_come_in_power_of_two_classes_aligned_for_direct_io(int length, int capacity)
    {
        using var pool = new NbdBufferPool(1 << 25, 1L << 30);
        var buffer = pool.Rent(length);
        Assert.Equal(capacity, buffer.Capacity);
        unsafe
        {
            using var pin = buffer.Data.Pin();
            Assert.Equal(0, (long)pin.Pointer % 4096);
        }

        pool.Return(buffer);
    }

    [Fact]
    public void A_returned_buffer_is_reused_until_the_retained_total_reaches_the_cap()
    {
        using var pool = new NbdBufferPool(1 << 20, 2 << 20);
        var a = pool.Rent(1 << 20);
        var b = pool.Rent(1 << 20);
        var c = pool.Rent(1 << 20);
        pool.Return(a);
        pool.Return(b);
        pool.Return(c); // over the 2 MiB cap: freed, not kept

        var again = new[] { pool.Rent(1 << 20), pool.Rent(1 << 20), pool.Rent(1 << 20) };
        Assert.Contains(a, again);
        Assert.Contains(b, again);
        Assert.DoesNotContain(c, again);
    }
}
